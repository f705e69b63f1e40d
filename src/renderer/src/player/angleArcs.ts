/**
 * Angle arcs over the video while the kinematics panel is open: for each plotted joint angle, a
 * small arc at its vertex joint, swept from the angle's zero reference to the moving segment (the
 * knee: from the thigh's line carried on past the knee to the shank, so a straight leg shows no
 * arc), with the angle's value at this frame, in the angle's plot colour.
 *
 * The arc is drawn from the frame's keypoints; the number is the panel's filtered value (the raw
 * one where the filtered series has a gap), so the video and the plot always agree.
 */
import { useKinematics } from '../store/kinematics';
import { usePoses } from '../store/poses';
import { useVideos } from '../store/videos';
import { angleColor } from './anglePlot';
import { findFrame, type RunData } from './poseData';
import type { ImageRect } from './poseOverlay';

/** A direction: from the first point to the second, or straight up in the image. */
type Ray = readonly [string, string] | 'up';

interface ArcGeometry {
  vertex: string;
  /** Where the angle is 0 (its reference), and the segment it measures. */
  from: Ray;
  to: Ray;
}

function sideArcs(side: 'left' | 'right'): Record<string, ArcGeometry> {
  const p = (joint: string) => `${side}_${joint}`;
  const trunkDown: Ray = ['mid_shoulder', 'mid_hip'];
  return {
    [p('hip_flexion')]: { vertex: p('hip'), from: trunkDown, to: [p('hip'), p('knee')] },
    [p('knee_flexion')]: { vertex: p('knee'), from: [p('hip'), p('knee')], to: [p('knee'), p('ankle')] },
    // Dorsiflexion is measured from a right angle: the arc spans shank to foot, the label says
    // how far from 90° that is.
    [p('ankle_dorsiflexion')]: {
      vertex: p('ankle'),
      from: [p('ankle'), p('knee')],
      to: [p('heel'), p('big_toe')],
    },
    [p('shoulder_flexion')]: { vertex: p('shoulder'), from: trunkDown, to: [p('shoulder'), p('elbow')] },
    [p('elbow_flexion')]: {
      vertex: p('elbow'),
      from: [p('shoulder'), p('elbow')],
      to: [p('elbow'), p('wrist')],
    },
  };
}

/** The joint angles (shared/kinematics/angles.ts definitions) that have an arc. */
export const ARC_GEOMETRY: Readonly<Record<string, ArcGeometry>> = {
  trunk_lean: { vertex: 'mid_hip', from: 'up', to: ['mid_hip', 'mid_shoulder'] },
  ...sideArcs('left'),
  ...sideArcs('right'),
};

/** Other names of a point in Kinema's skeletons (as in shared/kinematics/points.ts). */
const ALIASES: Readonly<Record<string, string>> = {
  left_big_toe: 'left_foot_index',
  right_big_toe: 'right_foot_index',
};

/** Keypoints scoring below this are missing for the kinematics (its default), so also here. */
const MIN_SCORE = 0.3;

export interface ArcValue {
  name: string;
  color: string;
  /** Degrees. */
  value: number;
}

/** Source-pixel position of a named point in one pose row, or null when missing or unsure. */
function pointOf(run: RunData, keypoints: Float32Array, base: number, name: string): [number, number] | null {
  let j = run.joints.indexOf(name);
  if (j < 0 && ALIASES[name]) j = run.joints.indexOf(ALIASES[name]);
  if (j >= 0) {
    const o = base + j * 3;
    const [x, y, s] = [keypoints[o], keypoints[o + 1], keypoints[o + 2]];
    return s >= MIN_SCORE && Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
  }
  if (name.startsWith('mid_')) {
    const a = pointOf(run, keypoints, base, `left_${name.slice(4)}`);
    const b = pointOf(run, keypoints, base, `right_${name.slice(4)}`);
    return a && b ? [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] : null;
  }
  return null;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Draws the arcs of `arcs` for track `trackId` at `frame`; returns how many were drawn (an arc
 * whose points are missing in this frame is left out).
 */
export function drawAngleArcs(
  ctx: CanvasRenderingContext2D,
  rect: ImageRect,
  sourceWidth: number,
  sourceHeight: number,
  run: RunData,
  trackId: number,
  frame: number,
  arcs: readonly ArcValue[],
  dpr: number,
): number {
  const track = run.tracks.find((t) => t.trackId === trackId);
  if (!track || !(sourceWidth > 0 && sourceHeight > 0)) return 0;
  const i = findFrame(track.frames, frame);
  if (i < 0) return 0;
  const base = i * run.k * 3;
  const sx = rect.w / sourceWidth;
  const sy = rect.h / sourceHeight;
  const toCanvas = (p: [number, number]): [number, number] => [rect.x + p[0] * sx, rect.y + p[1] * sy];
  const direction = (ray: Ray): [number, number] | null => {
    if (ray === 'up') return [0, -1];
    const a = pointOf(run, track.keypoints, base, ray[0]);
    const b = pointOf(run, track.keypoints, base, ray[1]);
    if (!a || !b) return null;
    const dx = (b[0] - a[0]) * sx;
    const dy = (b[1] - a[1]) * sy;
    const n = Math.hypot(dx, dy);
    return n > 1e-6 ? [dx / n, dy / n] : null;
  };
  // Readable on any screen, and scaled a little with the picture.
  const radius = Math.max(16 * dpr, Math.min(32 * dpr, rect.h / 22));
  const placed: Box[] = [];
  let drawn = 0;

  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x, rect.y, rect.w, rect.h);
  ctx.clip();
  ctx.font = `600 ${Math.round(11 * dpr)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const arc of arcs) {
    const geometry = ARC_GEOMETRY[arc.name];
    if (!geometry || !Number.isFinite(arc.value)) continue;
    const vertex = pointOf(run, track.keypoints, base, geometry.vertex);
    const from = direction(geometry.from);
    const to = direction(geometry.to);
    if (!vertex || !from || !to) continue;
    const [vx, vy] = toCanvas(vertex);
    const a0 = Math.atan2(from[1], from[0]);
    let sweep = Math.atan2(to[1], to[0]) - a0;
    sweep -= 2 * Math.PI * Math.round(sweep / (2 * Math.PI));

    ctx.strokeStyle = arc.color;
    ctx.fillStyle = arc.color;
    // The reference, dashed, and the measured segment, solid.
    ctx.globalAlpha = 0.85;
    ctx.lineWidth = 1.25 * dpr;
    ctx.setLineDash([3 * dpr, 3 * dpr]);
    ctx.beginPath();
    ctx.moveTo(vx, vy);
    ctx.lineTo(vx + from[0] * radius * 1.6, vy + from[1] * radius * 1.6);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(vx, vy);
    ctx.lineTo(vx + to[0] * radius * 1.6, vy + to[1] * radius * 1.6);
    ctx.stroke();
    // The wedge between them.
    ctx.globalAlpha = 0.22;
    ctx.beginPath();
    ctx.moveTo(vx, vy);
    ctx.arc(vx, vy, radius, a0, a0 + sweep, sweep < 0);
    ctx.closePath();
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.lineWidth = 2 * dpr;
    ctx.beginPath();
    ctx.arc(vx, vy, radius, a0, a0 + sweep, sweep < 0);
    ctx.stroke();

    // The value on the bisector, outside the arc; moved further out past labels already placed.
    const mid = a0 + sweep / 2;
    const text = `${Math.round(arc.value)}°`;
    const w = ctx.measureText(text).width + 6 * dpr;
    const h = 15 * dpr;
    let box: Box = { x: 0, y: 0, w, h };
    for (let attempt = 0; attempt < 5; attempt++) {
      const d = radius + 11 * dpr + attempt * h;
      box = { x: vx + Math.cos(mid) * d - w / 2, y: vy + Math.sin(mid) * d - h / 2, w, h };
      if (!placed.some((p) => overlaps(p, box))) break;
    }
    placed.push(box);
    ctx.fillStyle = 'rgba(0, 0, 0, 0.72)';
    ctx.fillRect(box.x, box.y, box.w, box.h);
    ctx.fillStyle = arc.color;
    ctx.fillText(text, box.x + box.w / 2, box.y + box.h / 2 + 0.5 * dpr);
    drawn++;
  }
  ctx.restore();
  return drawn;
}

/**
 * The arcs of the kinematics panel for `frame` of the video on screen, if the panel is open with
 * arcs on and its track belongs to the pose run drawn on the player; returns how many it drew.
 */
export function drawKinematicsArcs(
  ctx: CanvasRenderingContext2D,
  rect: ImageRect,
  videoId: number,
  frame: number,
  dpr: number,
): number {
  const k = useKinematics.getState();
  const data = k.data;
  if (!k.open || !k.arcs || !data) return 0;
  const poses = usePoses.getState();
  if (poses.videoId !== videoId || !poses.data || poses.data.runId !== data.runId) return 0;
  const video = useVideos.getState().videos.find((v) => v.id === videoId);
  const i = frame - data.firstFrame;
  if (!video || i < 0 || i >= data.frameCount) return 0;
  const arcs: ArcValue[] = [];
  for (const a of data.angles) {
    if (!k.plotted.includes(a.name) || !(a.name in ARC_GEOMETRY)) continue;
    const value = Number.isFinite(a.filtered[i]) ? a.filtered[i] : a.raw[i];
    if (Number.isFinite(value)) arcs.push({ name: a.name, color: angleColor(a.name), value });
  }
  return drawAngleArcs(ctx, rect, video.width, video.height, poses.data, data.trackId, frame, arcs, dpr);
}
