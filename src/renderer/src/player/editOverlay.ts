/**
 * The pose editor's layer on the player (issue 4): the selected track drawn with each keypoint's
 * provenance (model / placed by a person / interpolated / filtered / model-seeded look different),
 * the selected joint ringed and named, a joint being dragged or nudged where it will land, the box
 * being drawn, and a smoothing preview as a dashed ghost skeleton. Also the geometry the editor's
 * pointer handling needs: where the image sits on the canvas under the zoom and pan, hit tests of
 * joints and people, and canvas ↔ video pixel conversions.
 *
 * Everything here is called from the player's canvas pass (one draw per frame on screen), so it
 * reads typed arrays directly and allocates nothing per keypoint.
 */
import { OCCLUDED, PROVENANCE_MASK } from '../../../shared/editing/provenance';
import { drawPoses, type ImageRect } from './poseOverlay';
import { findFrame, trackColor, type DecodedTrack, type RunData } from './poseData';

/** Zoom and pan: `zoom` × the fitted size, with the image point (ux, uy) (0-1) at the fitted centre. */
export interface View {
  zoom: number;
  ux: number;
  uy: number;
}

export const FIT_VIEW: View = { zoom: 1, ux: 0.5, uy: 0.5 };
export const MAX_ZOOM = 16;

/** Where the image lands under `view`, given where it lands fitted (letterboxed). */
export function zoomedRect(fit: ImageRect, view: View): ImageRect {
  if (view.zoom === 1 && view.ux === 0.5 && view.uy === 0.5) return fit;
  const w = fit.w * view.zoom;
  const h = fit.h * view.zoom;
  return { x: fit.x + fit.w / 2 - view.ux * w, y: fit.y + fit.h / 2 - view.uy * h, w, h };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** The view zoomed by `factor` so the image point under canvas point (px, py) stays put. */
export function zoomAround(fit: ImageRect, view: View, factor: number, px: number, py: number): View {
  const zoom = Math.min(MAX_ZOOM, Math.max(1, view.zoom * factor));
  if (zoom === 1) return FIT_VIEW;
  const cur = zoomedRect(fit, view);
  const u = (px - cur.x) / cur.w;
  const v = (py - cur.y) / cur.h;
  const w = fit.w * zoom;
  const h = fit.h * zoom;
  const x = px - u * w;
  const y = py - v * h;
  return { zoom, ux: clamp01((fit.x + fit.w / 2 - x) / w), uy: clamp01((fit.y + fit.h / 2 - y) / h) };
}

/** The view moved by (dx, dy) canvas pixels (the image follows the pointer). */
export function panBy(fit: ImageRect, view: View, dx: number, dy: number): View {
  if (view.zoom === 1) return view;
  return {
    zoom: view.zoom,
    ux: clamp01(view.ux - dx / (fit.w * view.zoom)),
    uy: clamp01(view.uy - dy / (fit.h * view.zoom)),
  };
}

/** What the player last drew, for the pointer handling (canvas pixels). */
export interface ShownGeometry {
  videoId: number;
  frame: number;
  fit: ImageRect;
  rect: ImageRect;
  videoWidth: number;
  videoHeight: number;
}

let shown: ShownGeometry | null = null;

export function noteShown(geometry: ShownGeometry | null): void {
  shown = geometry;
}

export function shownGeometry(): ShownGeometry | null {
  return shown;
}

/** Canvas pixels of a pointer position (the canvas is sized in device pixels). */
export function canvasPoint(canvas: HTMLCanvasElement, clientX: number, clientY: number) {
  const r = canvas.getBoundingClientRect();
  return {
    x: ((clientX - r.left) * canvas.width) / Math.max(1, r.width),
    y: ((clientY - r.top) * canvas.height) / Math.max(1, r.height),
  };
}

export function toVideo(g: ShownGeometry, cx: number, cy: number) {
  return {
    x: ((cx - g.rect.x) / g.rect.w) * g.videoWidth,
    y: ((cy - g.rect.y) / g.rect.h) * g.videoHeight,
  };
}

export function toCanvas(g: ShownGeometry, x: number, y: number) {
  return { x: g.rect.x + (x / g.videoWidth) * g.rect.w, y: g.rect.y + (y / g.videoHeight) * g.rect.h };
}

// ---------------------------------------------------------------------------------------------
// Provenance look

export type MarkerShape = 'circle' | 'square' | 'diamond' | 'triangle' | 'ring';

/** How each provenance code (index = code) is drawn; null colour = the track's colour. */
export const PROVENANCE_STYLE: readonly { label: string; color: string | null; shape: MarkerShape }[] = [
  { label: 'Model', color: null, shape: 'circle' },
  // Hues the problem colours and the keyframe yellow do not use; the shapes tell them apart on any track colour.
  { label: 'Placed by a person', color: '#ffffff', shape: 'square' },
  { label: 'Interpolated', color: '#6fa8ff', shape: 'diamond' },
  { label: 'Filtered', color: '#4fe0e0', shape: 'triangle' },
  { label: 'Model from a box or seed', color: '#c9a2ff', shape: 'ring' },
];

/** Colours of the timeline lane and the problem list, by problem kind. */
export const PROBLEM_COLORS: Record<string, string> = {
  gap: '#e5534b',
  swap: '#ff5fd2',
  jump: '#ff8a3d',
  'low-confidence': '#e0a030',
};
export const KEYFRAME_COLOR = '#ffd84d';
const SELECTED_RING = '#ffd84d';
const GHOST = 'rgba(255, 255, 255, 0.85)';

/** Below this a keypoint counts as absent (models write 0, 0, 0 for joints they did not find). */
const MIN_SCORE = 0.05;

function marker(ctx: CanvasRenderingContext2D, shape: MarkerShape, x: number, y: number, r: number): void {
  ctx.beginPath();
  switch (shape) {
    case 'square':
      ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      break;
    case 'diamond':
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.2, y);
      ctx.lineTo(x, y + r * 1.2);
      ctx.lineTo(x - r * 1.2, y);
      ctx.closePath();
      break;
    case 'triangle':
      ctx.moveTo(x, y - r * 1.25);
      ctx.lineTo(x + r * 1.1, y + r * 0.8);
      ctx.lineTo(x - r * 1.1, y + r * 0.8);
      ctx.closePath();
      break;
    default:
      ctx.arc(x, y, r, 0, Math.PI * 2);
  }
}

// ---------------------------------------------------------------------------------------------
// Drawing

export interface Drag {
  trackId: number;
  joint: number;
  frame: number;
  /** Where the joint will land, in video pixels. */
  x: number;
  y: number;
}

export interface BoxDraft {
  frame: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface PreviewTrack {
  trackId: number;
  frames: Int32Array;
  keypoints: Float32Array;
}

export interface EditLayerInput {
  data: RunData;
  frame: number;
  trackId: number | null;
  joint: number | null;
  /** Provenance bytes of the selected track, aligned with `frames`. */
  prov: { trackId: number; frames: Int32Array; codes: Uint8Array } | null;
  isHidden(trackId: number): boolean;
  threshold: number;
  showBoxes: boolean;
  drag: Drag | null;
  box: BoxDraft | null;
  seedBox: { frame: number; box: [number, number, number, number] } | null;
  preview: PreviewTrack[] | null;
  dpr: number;
}

export interface EditLayerStats {
  /** Keypoints drawn (all tracks). */
  drawn: number;
  /** Keypoints of the smoothing preview's ghost drawn. */
  ghost: number;
  /** Time the layer took, ms. */
  ms: number;
}

/** The track with this id, or undefined. */
export function trackOf(data: RunData, trackId: number | null): DecodedTrack | undefined {
  return trackId === null ? undefined : data.tracks.find((t) => t.trackId === trackId);
}

/** Draws the editor's layer for `frame` over the image at `rect`. */
export function drawEditLayer(
  ctx: CanvasRenderingContext2D,
  rect: ImageRect,
  videoWidth: number,
  videoHeight: number,
  input: EditLayerInput,
): EditLayerStats {
  const t0 = performance.now();
  const { data, frame, dpr } = input;
  if (!(videoWidth > 0 && videoHeight > 0) || rect.w <= 0) return { drawn: 0, ghost: 0, ms: 0 };
  const sx = rect.w / videoWidth;
  const sy = rect.h / videoHeight;
  const k = data.k;
  // The other people as the normal overlay draws them; the selected one is drawn below, on top.
  let drawn = drawPoses(ctx, rect, videoWidth, videoHeight, data, frame, {
    threshold: input.threshold,
    showBoxes: input.showBoxes,
    isHidden: (id) => id === input.trackId || input.isHidden(id),
    dpr,
  });

  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x, rect.y, rect.w, rect.h);
  ctx.clip();
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  // Joints grow a little with the zoom (placing precisely), within readable limits.
  const radius = Math.max(4 * dpr, Math.min(9 * dpr, rect.h / 110));
  const lineWidth = Math.max(1.5 * dpr, radius * 0.5);

  const track = trackOf(data, input.trackId);
  const i = track ? findFrame(track.frames, frame) : -1;
  if (track && i >= 0 && !input.isHidden(track.trackId)) {
    const base = i * k * 3;
    const kp = track.keypoints;
    const color = trackColor(track.trackId);
    const drag =
      input.drag && input.drag.trackId === track.trackId && input.drag.frame === frame ? input.drag : null;
    const px = (j: number) => rect.x + (drag && drag.joint === j ? drag.x : kp[base + j * 3]) * sx;
    const py = (j: number) => rect.y + (drag && drag.joint === j ? drag.y : kp[base + j * 3 + 1]) * sy;
    const score = (j: number) => (drag && drag.joint === j ? 1 : kp[base + j * 3 + 2]);
    const p = input.prov && input.prov.trackId === track.trackId ? input.prov : null;
    const pi = p ? findFrame(p.frames, frame) : -1;
    const code = (j: number) => (pi >= 0 ? p!.codes[pi * k + j] : 0);

    if (track.boxes.length >= (i + 1) * 4) {
      // The selected person's box, faint: which person the keys act on.
      const b = i * 4;
      ctx.globalAlpha = 0.55;
      ctx.strokeStyle = color;
      ctx.lineWidth = dpr;
      ctx.setLineDash([6 * dpr, 4 * dpr]);
      ctx.strokeRect(
        rect.x + track.boxes[b] * sx,
        rect.y + track.boxes[b + 1] * sy,
        track.boxes[b + 2] * sx,
        track.boxes[b + 3] * sy,
      );
      ctx.setLineDash([]);
    }

    ctx.strokeStyle = color;
    ctx.lineWidth = lineWidth;
    for (const [a, b] of data.links) {
      const s = Math.min(score(a), score(b));
      if (s < MIN_SCORE) continue;
      ctx.globalAlpha = s >= input.threshold ? 0.9 : 0.4;
      ctx.beginPath();
      ctx.moveTo(px(a), py(a));
      ctx.lineTo(px(b), py(b));
      ctx.stroke();
    }

    for (let j = 0; j < k; j++) {
      const x = px(j);
      const y = py(j);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const c = code(j);
      const style = PROVENANCE_STYLE[c & PROVENANCE_MASK] ?? PROVENANCE_STYLE[0];
      const s = score(j);
      ctx.globalAlpha = 1;
      if (s < MIN_SCORE) {
        // Absent joints stay visible as a small cross, so they can be selected and placed.
        const r = radius * 0.6;
        ctx.strokeStyle = 'rgba(200, 200, 200, 0.7)';
        ctx.lineWidth = dpr;
        ctx.beginPath();
        ctx.moveTo(x - r, y - r);
        ctx.lineTo(x + r, y + r);
        ctx.moveTo(x + r, y - r);
        ctx.lineTo(x - r, y + r);
        ctx.stroke();
      } else {
        const fill = style.color ?? color;
        marker(ctx, style.shape, x, y, radius);
        if (style.shape === 'ring') {
          ctx.lineWidth = Math.max(2 * dpr, radius * 0.5);
          ctx.strokeStyle = fill;
          ctx.stroke();
        } else {
          ctx.globalAlpha = s >= input.threshold ? 1 : 0.55;
          ctx.fillStyle = fill;
          ctx.fill();
          ctx.globalAlpha = 1;
          ctx.lineWidth = Math.max(1, 0.9 * dpr);
          ctx.strokeStyle = 'rgba(0, 0, 0, 0.75)';
          ctx.stroke();
        }
        if (c & OCCLUDED) {
          // Occluded: a dashed halo (the position is an estimate).
          ctx.setLineDash([2.5 * dpr, 2.5 * dpr]);
          ctx.lineWidth = dpr;
          ctx.strokeStyle = '#ffffff';
          ctx.beginPath();
          ctx.arc(x, y, radius * 1.7, 0, Math.PI * 2);
          ctx.stroke();
          ctx.setLineDash([]);
        }
      }
      drawn++;
    }

    if (input.joint !== null && input.joint < k) {
      const j = input.joint;
      const x = px(j);
      const y = py(j);
      if (Number.isFinite(x) && Number.isFinite(y)) {
        ctx.globalAlpha = 1;
        ctx.lineWidth = 2 * dpr;
        ctx.strokeStyle = SELECTED_RING;
        ctx.beginPath();
        ctx.arc(x, y, radius * 2.1, 0, Math.PI * 2);
        ctx.stroke();
        const label = (data.joints[j] ?? `joint ${j}`).replace(/_/g, ' ');
        ctx.font = `${Math.round(11 * dpr)}px system-ui, sans-serif`;
        const tw = ctx.measureText(label).width;
        const lx = x + radius * 2.4;
        const ly = y - radius * 2.4;
        ctx.fillStyle = 'rgba(0, 0, 0, 0.7)';
        ctx.fillRect(lx - 3 * dpr, ly - 11 * dpr, tw + 6 * dpr, 15 * dpr);
        ctx.fillStyle = SELECTED_RING;
        ctx.fillText(label, lx, ly);
      }
    }
  }

  let ghost = 0;
  if (input.preview) {
    // The smoothing preview: what the filter would make of this frame, dashed and white.
    ctx.setLineDash([5 * dpr, 4 * dpr]);
    ctx.lineWidth = Math.max(1.5 * dpr, lineWidth * 0.8);
    ctx.strokeStyle = GHOST;
    ctx.fillStyle = GHOST;
    ctx.globalAlpha = 1;
    for (const t of input.preview) {
      if (input.isHidden(t.trackId)) continue;
      const gi = findFrame(t.frames, frame);
      if (gi < 0) continue;
      const base = gi * k * 3;
      const kp = t.keypoints;
      for (const [a, b] of data.links) {
        if (kp[base + a * 3 + 2] < MIN_SCORE || kp[base + b * 3 + 2] < MIN_SCORE) continue;
        ctx.beginPath();
        ctx.moveTo(rect.x + kp[base + a * 3] * sx, rect.y + kp[base + a * 3 + 1] * sy);
        ctx.lineTo(rect.x + kp[base + b * 3] * sx, rect.y + kp[base + b * 3 + 1] * sy);
        ctx.stroke();
      }
      for (let j = 0; j < k; j++) {
        if (kp[base + j * 3 + 2] < MIN_SCORE) continue;
        ctx.beginPath();
        ctx.arc(
          rect.x + kp[base + j * 3] * sx,
          rect.y + kp[base + j * 3 + 1] * sy,
          radius * 0.55,
          0,
          Math.PI * 2,
        );
        ctx.fill();
        ghost++;
      }
    }
    ctx.setLineDash([]);
  }

  const boxes: { b: [number, number, number, number]; color: string; label: string }[] = [];
  if (input.seedBox && input.seedBox.frame === frame)
    boxes.push({ b: input.seedBox.box, color: PROVENANCE_STYLE[4].color!, label: 'seed box' });
  if (input.box && input.box.frame === frame) {
    const { x0, y0, x1, y1 } = input.box;
    boxes.push({
      b: [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)],
      color: '#3d8bfd',
      label: '',
    });
  }
  for (const { b, color, label } of boxes) {
    ctx.globalAlpha = 1;
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.lineWidth = 1.5 * dpr;
    ctx.strokeStyle = color;
    ctx.strokeRect(rect.x + b[0] * sx, rect.y + b[1] * sy, b[2] * sx, b[3] * sy);
    ctx.setLineDash([]);
    if (label) {
      ctx.font = `${Math.round(10 * dpr)}px system-ui, sans-serif`;
      ctx.fillStyle = color;
      ctx.fillText(label, rect.x + b[0] * sx + 3 * dpr, rect.y + b[1] * sy - 4 * dpr);
    }
  }
  ctx.restore();
  return { drawn, ghost, ms: performance.now() - t0 };
}

// ---------------------------------------------------------------------------------------------
// Hit tests (canvas pixels)

export interface JointHit {
  trackId: number;
  joint: number;
  /** Distance from the pointer, canvas pixels. */
  distance: number;
}

/**
 * The joint nearest to canvas point (cx, cy) within `radius`. The selected track's joints come
 * first (what the annotator works on, where people overlap; its absent joints count too, so they
 * can be placed); other shown tracks' joints only when none of the selected track's is in reach.
 */
export function hitJoint(
  data: RunData,
  g: ShownGeometry,
  cx: number,
  cy: number,
  radius: number,
  selected: number | null,
  isHidden: (trackId: number) => boolean,
): JointHit | null {
  const k = data.k;
  let best: JointHit | null = null;
  let bestMine = false;
  for (const t of data.tracks) {
    if (isHidden(t.trackId)) continue;
    const i = findFrame(t.frames, g.frame);
    if (i < 0) continue;
    const mine = t.trackId === selected;
    for (let j = 0; j < k; j++) {
      const o = (i * k + j) * 3;
      if (!mine && !(t.keypoints[o + 2] >= MIN_SCORE)) continue;
      const p = toCanvas(g, t.keypoints[o], t.keypoints[o + 1]);
      const d = Math.hypot(p.x - cx, p.y - cy);
      if (d > radius) continue;
      if (bestMine && !mine) continue;
      if (!best || (mine && !bestMine) || d < best.distance) {
        best = { trackId: t.trackId, joint: j, distance: d };
        bestMine = mine;
      }
    }
  }
  return best;
}

/** The shown person whose keypoints' box (padded) holds canvas point (cx, cy); the smallest wins. */
export function hitPerson(
  data: RunData,
  g: ShownGeometry,
  cx: number,
  cy: number,
  isHidden: (trackId: number) => boolean,
): number | null {
  const k = data.k;
  const v = toVideo(g, cx, cy);
  let best: number | null = null;
  let bestArea = Infinity;
  for (const t of data.tracks) {
    if (isHidden(t.trackId)) continue;
    const i = findFrame(t.frames, g.frame);
    if (i < 0) continue;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let j = 0; j < k; j++) {
      const o = (i * k + j) * 3;
      if (!(t.keypoints[o + 2] >= MIN_SCORE)) continue;
      x0 = Math.min(x0, t.keypoints[o]);
      y0 = Math.min(y0, t.keypoints[o + 1]);
      x1 = Math.max(x1, t.keypoints[o]);
      y1 = Math.max(y1, t.keypoints[o + 1]);
    }
    if (!(x1 >= x0)) continue;
    const pad = 0.15 * Math.max(x1 - x0, y1 - y0, 20);
    if (v.x < x0 - pad || v.x > x1 + pad || v.y < y0 - pad || v.y > y1 + pad) continue;
    const area = (x1 - x0 + 2 * pad) * (y1 - y0 + 2 * pad);
    if (area < bestArea) {
      bestArea = area;
      best = t.trackId;
    }
  }
  return best;
}
