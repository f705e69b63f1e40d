/**
 * Draws the poses of one frame over the letterboxed image, in the player's canvas pass. Points are
 * in source-video pixels; `rect` is where the image landed on the canvas, so the scale is
 * rect size / source size (the frame JPEG may be smaller than the source).
 */
import { findFrame, trackColor, type RunData } from './poseData';

export interface ImageRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PoseDrawOptions {
  /** Keypoints scoring below this are drawn hollow and their bones are left out. */
  threshold: number;
  showBoxes: boolean;
  isHidden(trackId: number): boolean;
  /** Canvas pixels per CSS pixel, so line widths look the same on any screen. */
  dpr: number;
}

/** Below this a keypoint is "not detected" (models emit 0,0,0 for missing joints): not drawn. */
const MIN_SCORE = 0.05;

/** Draws `frame`'s poses; returns how many keypoints it drew. */
export function drawPoses(
  ctx: CanvasRenderingContext2D,
  rect: ImageRect,
  sourceWidth: number,
  sourceHeight: number,
  run: RunData,
  frame: number,
  options: PoseDrawOptions,
): number {
  if (!(sourceWidth > 0 && sourceHeight > 0) || rect.w <= 0 || rect.h <= 0) return 0;
  const sx = rect.w / sourceWidth;
  const sy = rect.h / sourceHeight;
  const { dpr, threshold } = options;
  // Joint size follows the person's size on screen a little, within readable limits.
  const radius = Math.max(3.5 * dpr, Math.min(7 * dpr, rect.h / 100));
  const lineWidth = Math.max(1.5 * dpr, radius * 0.6);
  const k = run.k;
  let drawn = 0;

  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x, rect.y, rect.w, rect.h);
  ctx.clip();
  ctx.lineCap = 'round';

  for (const track of run.tracks) {
    if (options.isHidden(track.trackId)) continue;
    const i = findFrame(track.frames, frame);
    if (i < 0) continue;
    const base = i * k * 3;
    const kp = track.keypoints;
    const color = trackColor(track.trackId);
    const px = (j: number) => rect.x + kp[base + j * 3] * sx;
    const py = (j: number) => rect.y + kp[base + j * 3 + 1] * sy;
    const score = (j: number) => {
      const s = kp[base + j * 3 + 2];
      return Number.isFinite(s) ? s : 0;
    };

    if (options.showBoxes && track.boxes.length >= (i + 1) * 4) {
      const b = i * 4;
      ctx.globalAlpha = 0.8;
      ctx.strokeStyle = color;
      ctx.lineWidth = dpr;
      ctx.setLineDash([4 * dpr, 3 * dpr]);
      ctx.strokeRect(
        rect.x + track.boxes[b] * sx,
        rect.y + track.boxes[b + 1] * sy,
        track.boxes[b + 2] * sx,
        track.boxes[b + 3] * sy,
      );
      ctx.setLineDash([]);
      ctx.font = `${Math.round(10 * dpr)}px system-ui, sans-serif`;
      ctx.fillStyle = color;
      ctx.fillText(
        `#${track.trackId}`,
        rect.x + track.boxes[b] * sx + 2 * dpr,
        rect.y + track.boxes[b + 1] * sy - 3 * dpr,
      );
    }

    // Bones under joints; a bone's opacity is its weaker end's score.
    ctx.strokeStyle = color;
    ctx.lineWidth = lineWidth;
    for (const [a, b] of run.links) {
      const s = Math.min(score(a), score(b));
      if (s < threshold) continue;
      ctx.globalAlpha = 0.35 + 0.55 * Math.min(1, s);
      ctx.beginPath();
      ctx.moveTo(px(a), py(a));
      ctx.lineTo(px(b), py(b));
      ctx.stroke();
    }

    for (let j = 0; j < k; j++) {
      const s = score(j);
      if (s < MIN_SCORE) continue;
      const x = px(j);
      const y = py(j);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      ctx.beginPath();
      if (s >= threshold) {
        // Confident: filled, more opaque and slightly larger with the score, dark rim for contrast.
        ctx.globalAlpha = 0.45 + 0.55 * Math.min(1, s);
        ctx.arc(x, y, radius * (0.75 + 0.25 * Math.min(1, s)), 0, Math.PI * 2);
        ctx.fillStyle = color;
        ctx.fill();
        ctx.lineWidth = Math.max(1, 0.75 * dpr);
        ctx.strokeStyle = 'rgba(0, 0, 0, 0.6)';
        ctx.stroke();
        ctx.strokeStyle = color;
      } else {
        // Unsure: a faint hollow ring where the model guessed.
        ctx.globalAlpha = 0.55;
        ctx.arc(x, y, radius * 0.7, 0, Math.PI * 2);
        ctx.lineWidth = dpr;
        ctx.strokeStyle = color;
        ctx.stroke();
      }
      drawn++;
    }
  }
  ctx.restore();
  return drawn;
}
