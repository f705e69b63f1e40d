/**
 * Canvas helpers of the Align view: a video frame fitted into a pane, the warping-path plot
 * (reference frame across, learner frame up) and the per-angle difference curves under it. Both
 * plots share the reference-frame x axis and the same margins, so a column of pixels is the same
 * reference frame in each. Like the angle plot, each is drawn in two layers: the base when the
 * data or the size change, the overlay (current position, hover) on every frame change.
 *
 * Frames map to pixels by sample centres: frame f of a range [first, last] sits at
 * (f - first + 0.5) / count of the axis. All coordinates are CSS pixels.
 */
import { PLAYHEAD_COLOR, degreeStep, frameStep } from './anglePlot';
import type { ImageRect } from './poseOverlay';

const FONT = '10px ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace';
/** The same left and right margins as the angle plot: y labels fit "-120°" and "1000". */
const MARGIN = { left: 46, right: 12, top: 16, bottom: 22 };
const PATH_COLOR = '#3d8bfd';
const TEMPO_COLOR = 'rgba(255, 255, 255, 0.35)';
const FINDING_COLOR = '#e0a030';
const GRID = 'rgba(255, 255, 255, 0.07)';
const LABEL = '#8b909a';

/** Draws `bitmap` centred and scaled to fit on a black canvas; returns where it landed. */
export function drawFrameFitted(canvas: HTMLCanvasElement, bitmap: ImageBitmap | null): ImageRect | null {
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!bitmap || bitmap.width === 0 || bitmap.height === 0) return null;
  const scale = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
  const w = Math.round(bitmap.width * scale);
  const h = Math.round(bitmap.height * scale);
  const x = Math.floor((canvas.width - w) / 2);
  const y = Math.floor((canvas.height - h) / 2);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, x, y, w, h);
  return { x, y, w, h };
}

// ---------------------------------------------------------------------------------------------
// Shared axes

/** A frame axis: video frames first..last inclusive. */
export interface FrameAxis {
  first: number;
  last: number;
}

export interface AxesGeometry {
  width: number;
  height: number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
  /** Reference frames across. */
  x: FrameAxis;
}

const count = (a: FrameAxis) => Math.max(1, a.last - a.first + 1);

function axes(width: number, height: number, x: FrameAxis, top = MARGIN.top): AxesGeometry {
  return {
    width,
    height,
    left: MARGIN.left,
    top,
    plotW: Math.max(10, width - MARGIN.left - MARGIN.right),
    plotH: Math.max(10, height - top - MARGIN.bottom),
    x,
  };
}

/** x of a reference frame (fractional frames allowed). */
export function xOfReference(g: AxesGeometry, frame: number): number {
  return g.left + ((frame - g.x.first + 0.5) / count(g.x)) * g.plotW;
}

/** The reference frame under x, clamped to the axis. */
export function referenceAtX(g: AxesGeometry, x: number): number {
  const i = Math.floor(((x - g.left) / g.plotW) * count(g.x));
  return g.x.first + Math.max(0, Math.min(count(g.x) - 1, i));
}

function drawXTicks(ctx: CanvasRenderingContext2D, g: AxesGeometry, title: string): void {
  const bottom = g.top + g.plotH;
  const step = frameStep(count(g.x), g.plotW);
  ctx.font = FONT;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let f = Math.ceil(g.x.first / step) * step; f <= g.x.last; f += step) {
    const x = Math.round(xOfReference(g, f)) + 0.5;
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, g.top);
    ctx.lineTo(x, bottom + 3);
    ctx.stroke();
    ctx.fillStyle = LABEL;
    ctx.fillText(String(f), x, bottom + 5);
  }
  // The axis title sits inside the box's bottom-right corner, clear of the tick labels.
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  ctx.fillStyle = '#6b707a';
  ctx.fillText(title, g.left + g.plotW - 5, bottom - 3);
}

function frameBox(ctx: CanvasRenderingContext2D, g: AxesGeometry): void {
  ctx.fillStyle = '#0f1013';
  ctx.fillRect(g.left, g.top, g.plotW, g.plotH);
}

function strokeBox(ctx: CanvasRenderingContext2D, g: AxesGeometry): void {
  ctx.strokeStyle = 'rgba(255, 255, 255, 0.16)';
  ctx.lineWidth = 1;
  ctx.strokeRect(g.left + 0.5, g.top + 0.5, g.plotW - 1, g.plotH - 1);
}

function clipToBox(ctx: CanvasRenderingContext2D, g: AxesGeometry): void {
  ctx.beginPath();
  ctx.rect(g.left, g.top, g.plotW, g.plotH);
  ctx.clip();
}

function marker(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, fill: string): void {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#000';
  ctx.stroke();
}

// ---------------------------------------------------------------------------------------------
// Warping path

export interface PathModel {
  /** The warping path as video-frame pairs. */
  learner: Int32Array;
  reference: Int32Array;
  learnerAxis: FrameAxis;
  referenceAxis: FrameAxis;
  learnerFps: number;
  referenceFps: number;
  /** Frames of the coaching findings, marked on the path. */
  findings: { learnerFrame: number; referenceFrame: number }[];
}

export interface PathGeometry extends AxesGeometry {
  /** Learner frames up. */
  y: FrameAxis;
}

export function pathGeometry(model: PathModel, width: number, height: number): PathGeometry {
  return { ...axes(width, height, model.referenceAxis), y: model.learnerAxis };
}

export function yOfLearner(g: PathGeometry, frame: number): number {
  return g.top + g.plotH - ((frame - g.y.first + 0.5) / count(g.y)) * g.plotH;
}

/** Index of the path point nearest to (x, y) in pixels, or -1 for an empty path. */
export function nearestPathPoint(model: PathModel, g: PathGeometry, x: number, y: number): number {
  let best = -1;
  let bestD = Infinity;
  for (let t = 0; t < model.learner.length; t++) {
    const dx = xOfReference(g, model.reference[t]) - x;
    const dy = yOfLearner(g, model.learner[t]) - y;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = t;
    }
  }
  return best;
}

/**
 * Axes, the same-tempo line (learner frames advancing at the reference's pace in seconds, from the
 * path's start), the path and the findings. Returns the number of path points drawn.
 */
export function drawPathBase(ctx: CanvasRenderingContext2D, model: PathModel, g: PathGeometry): number {
  frameBox(ctx, g);
  drawXTicks(ctx, g, 'reference frame →');

  // Learner frames up the left side.
  const step = frameStep(count(g.y), g.plotH, 26);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let f = Math.ceil(g.y.first / step) * step; f <= g.y.last; f += step) {
    const y = Math.round(yOfLearner(g, f)) + 0.5;
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(g.left - 3, y);
    ctx.lineTo(g.left + g.plotW, y);
    ctx.stroke();
    ctx.fillStyle = LABEL;
    ctx.fillText(String(f), g.left - 5, y);
  }
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#6b707a';
  ctx.fillText('↑ learner frame', 4, 2);
  strokeBox(ctx, g);

  ctx.save();
  clipToBox(ctx, g);
  // Same tempo: one second of reference is one second of learner.
  if (model.reference.length > 0 && model.learnerFps > 0 && model.referenceFps > 0) {
    const r0 = model.reference[0];
    const l0 = model.learner[0];
    const slope = model.learnerFps / model.referenceFps;
    const r1 = g.x.last + 1;
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = TEMPO_COLOR;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(xOfReference(g, r0), yOfLearner(g, l0));
    ctx.lineTo(xOfReference(g, r1), yOfLearner(g, l0 + (r1 - r0) * slope));
    ctx.stroke();
    ctx.setLineDash([]);
  }

  ctx.strokeStyle = PATH_COLOR;
  ctx.lineWidth = 2;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  for (let t = 0; t < model.learner.length; t++) {
    const x = xOfReference(g, model.reference[t]);
    const y = yOfLearner(g, model.learner[t]);
    if (t === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.stroke();

  for (const f of model.findings) {
    const x = xOfReference(g, f.referenceFrame);
    const y = yOfLearner(g, f.learnerFrame);
    ctx.fillStyle = FINDING_COLOR;
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, y - 5);
    ctx.lineTo(x + 5, y);
    ctx.lineTo(x, y + 5);
    ctx.lineTo(x - 5, y);
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();

  // Legend in the top left corner, inside the box: a path runs from bottom left to top right,
  // so that corner stays clear unless the learner races far ahead of the reference.
  ctx.font = FONT;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillStyle = PATH_COLOR;
  ctx.fillText('— warping path', g.left + 6, g.top + 4);
  ctx.fillStyle = TEMPO_COLOR;
  ctx.fillText('- - same tempo', g.left + 6, g.top + 16);
  if (model.findings.length > 0) {
    ctx.fillStyle = FINDING_COLOR;
    ctx.fillText('◆ finding', g.left + 6, g.top + 28);
  }
  return model.learner.length;
}

/** The current position (learner frame and its reference frame) and the hovered path point. */
export function drawPathOverlay(
  ctx: CanvasRenderingContext2D,
  model: PathModel,
  g: PathGeometry,
  current: { learner: number; reference: number } | null,
  hover: number | null,
): void {
  if (hover !== null && hover >= 0 && hover < model.learner.length) {
    const l = model.learner[hover];
    const r = model.reference[hover];
    const x = xOfReference(g, r);
    const y = yOfLearner(g, l);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(x, y, 5, 0, Math.PI * 2);
    ctx.stroke();
    const text = `L ${l} · R ${r}`;
    ctx.font = FONT;
    const w = ctx.measureText(text).width + 8;
    const bx = Math.min(x + 8, g.left + g.plotW - w);
    const by = Math.max(g.top, y - 22);
    ctx.fillStyle = 'rgba(10, 11, 13, 0.92)';
    ctx.fillRect(bx, by, w, 15);
    ctx.fillStyle = '#d9dce2';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(text, bx + 4, by + 8);
  }
  if (current) {
    const x = xOfReference(g, current.reference);
    const y = yOfLearner(g, current.learner);
    ctx.strokeStyle = 'rgba(255, 77, 77, 0.45)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(g.left, y);
    ctx.lineTo(x, y);
    ctx.lineTo(x, g.top + g.plotH);
    ctx.stroke();
    marker(ctx, x, y, 4.5, PLAYHEAD_COLOR);
  }
}

// ---------------------------------------------------------------------------------------------
// Angle differences against reference frames

export interface DiffSeries {
  name: string;
  color: string;
  /** Degrees, learner − reference, one per reference row; NaN = no value. */
  diff: Float32Array;
}

export interface DiffModel {
  referenceAxis: FrameAxis;
  /** Reference video frame of each sample (ascending; may skip frames where the track has gaps). */
  rows: Int32Array;
  series: DiffSeries[];
  /** Phases of the motion by reference frames, shaded alternately and numbered. */
  phases: { index: number; start: number; end: number }[];
}

export interface DiffGeometry extends AxesGeometry {
  yMin: number;
  yMax: number;
  yStep: number;
}

export function diffGeometry(model: DiffModel, width: number, height: number): DiffGeometry {
  let lo = 0;
  let hi = 0;
  for (const s of model.series)
    for (const v of s.diff) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  // Zero always shows (the line of "same as the reference"), and at least ±5°.
  lo = Math.min(lo, -5);
  hi = Math.max(hi, 5);
  const g = axes(width, height, model.referenceAxis, 14);
  const step = degreeStep(hi - lo, Math.max(2, Math.floor(g.plotH / 24)));
  return {
    ...g,
    yMin: Math.floor(lo / step) * step,
    yMax: Math.ceil(hi / step) * step,
    yStep: step,
  };
}

export function yOfDegrees(g: DiffGeometry, v: number): number {
  return g.top + ((g.yMax - v) / (g.yMax - g.yMin)) * g.plotH;
}

/** Phase bands, degree grid with 0° marked, and every series; returns the finite samples drawn. */
export function drawDiffBase(ctx: CanvasRenderingContext2D, model: DiffModel, g: DiffGeometry): number {
  frameBox(ctx, g);
  ctx.font = FONT;
  for (const p of model.phases) {
    const x0 = xOfReference(g, p.start - 0.5);
    const x1 = xOfReference(g, p.end + 0.5);
    if (p.index % 2 === 1) {
      ctx.fillStyle = 'rgba(255, 255, 255, 0.035)';
      ctx.fillRect(x0, g.top, x1 - x0, g.plotH);
    }
    ctx.fillStyle = '#6b707a';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(`P${p.index + 1}`, (x0 + x1) / 2, g.top - 2);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let v = g.yMin; v <= g.yMax + 1e-9; v += g.yStep) {
    const y = Math.round(yOfDegrees(g, v)) + 0.5;
    ctx.strokeStyle = v === 0 ? 'rgba(255, 255, 255, 0.32)' : GRID;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(g.left, y);
    ctx.lineTo(g.left + g.plotW, y);
    ctx.stroke();
    ctx.fillStyle = LABEL;
    ctx.fillText(`${v > 0 ? '+' : ''}${v}°`, g.left - 5, y);
  }
  drawXTicks(ctx, g, 'reference frame →');
  strokeBox(ctx, g);

  ctx.save();
  clipToBox(ctx, g);
  let points = 0;
  for (const s of model.series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    ctx.beginPath();
    let pen = false;
    const n = Math.min(s.diff.length, model.rows.length);
    for (let i = 0; i < n; i++) {
      const v = s.diff[i];
      // A missing value or a skipped frame breaks the line: no value is invented across a gap.
      if (!Number.isFinite(v) || (i > 0 && model.rows[i] !== model.rows[i - 1] + 1)) pen = false;
      if (!Number.isFinite(v)) continue;
      points++;
      const x = xOfReference(g, model.rows[i]);
      const y = yOfDegrees(g, v);
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
  }
  ctx.restore();
  return points;
}

/** Index of the sample at reference frame `frame` in the ascending `rows`, or -1. */
export function rowOf(rows: Int32Array, frame: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid] === frame) return mid;
    if (rows[mid] < frame) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The current reference frame (with each curve's value there) and the hover line. */
export function drawDiffOverlay(
  ctx: CanvasRenderingContext2D,
  model: DiffModel,
  g: DiffGeometry,
  current: number | null,
  hover: number | null,
): void {
  const bottom = g.top + g.plotH;
  const inside = (f: number) => f >= g.x.first && f <= g.x.last;
  if (hover !== null && inside(hover)) {
    const x = Math.round(xOfReference(g, hover)) + 0.5;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.45)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, g.top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
  }
  if (current !== null && inside(current)) {
    const x = xOfReference(g, current);
    ctx.strokeStyle = PLAYHEAD_COLOR;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, g.top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    const row = rowOf(model.rows, current);
    if (row >= 0)
      for (const s of model.series) {
        const v = s.diff[row];
        if (Number.isFinite(v)) marker(ctx, x, yOfDegrees(g, v), 3.5, s.color);
      }
  }
}
