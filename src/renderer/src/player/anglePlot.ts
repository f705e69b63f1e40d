/**
 * Angle-over-time plots on a 2D canvas, in two layers: the base (axes, gridlines, gait events,
 * the angle curves) drawn when the data, the selection or the size change, and the overlay
 * (playhead, hover line) drawn on every frame change, so playback never redraws long series.
 *
 * Frames map to x by sample centres: sample i of a series is video frame firstFrame + i. A NaN
 * sample is a gap: the line stops there and starts again at the next value (never drawn to 0).
 * All coordinates are CSS pixels; the context is scaled by the device pixel ratio once per draw.
 */

export interface PlotSeries {
  name: string;
  color: string;
  /** Degrees per frame from the model's firstFrame; NaN = gap. */
  raw: Float32Array;
  filtered: Float32Array;
}

export interface PlotEvent {
  side: 'left' | 'right';
  kind: 'foot_strike' | 'toe_off';
  /** Video frame, fractional. */
  frame: number;
}

export interface PlotModel {
  firstFrame: number;
  frameCount: number;
  series: PlotSeries[];
  events: PlotEvent[];
}

export interface PlotGeometry {
  width: number;
  height: number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
  yMin: number;
  yMax: number;
  yStep: number;
  firstFrame: number;
  frameCount: number;
}

export interface PlotStats {
  /** Finite filtered samples drawn, over every plotted series. */
  points: number;
  rawPoints: number;
  /** Stretches of frames where no plotted angle has a value. */
  gaps: number;
}

/** Left leaves room for "-120°"; top holds the two rows of gait events (left, right). */
const MARGIN = { left: 46, right: 12, top: 32, bottom: 22 };
const EVENT_ROWS = { left: 9, right: 20 } as const;
const FONT = '10px ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace';

/** Fixed colours for the angles people compare most, left side cool and right side warm. */
const ANGLE_COLORS: Readonly<Record<string, string>> = {
  left_hip_flexion: '#51cf66',
  right_hip_flexion: '#fcc419',
  left_knee_flexion: '#4dabf7',
  right_knee_flexion: '#ff922b',
  left_ankle_dorsiflexion: '#9775fa',
  right_ankle_dorsiflexion: '#f06595',
  left_shoulder_flexion: '#3bc9db',
  right_shoulder_flexion: '#ffa8a8',
  left_elbow_flexion: '#a9e34b',
  right_elbow_flexion: '#e599f7',
  trunk_lean: '#dee2e6',
  pelvis_tilt: '#adb5bd',
};

export const SIDE_COLORS = { left: '#74c0fc', right: '#ffa94d' } as const;
export const PLAYHEAD_COLOR = '#ff4d4d';

/** A stable colour per angle name (fixed for the common ones, hashed for segments and custom). */
export function angleColor(name: string): string {
  const fixed = ANGLE_COLORS[name];
  if (fixed) return fixed;
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return `hsl(${((h * 137.508) % 360).toFixed(0)} 65% 66%)`;
}

/** Short name for lists and legends: "L knee flexion". */
export function angleLabel(name: string): string {
  return name
    .replace(/^left_/, 'L ')
    .replace(/^right_/, 'R ')
    .replace(/_3d$/, ' (3D)')
    .replace(/_/g, ' ');
}

/** A tick step of 1, 2, 5, 10, 15, 30, 45, 90… degrees giving at most `maxTicks` intervals. */
export function degreeStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  for (const s of [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 180, 360]) if (s >= raw) return s;
  return 360 * Math.ceil(raw / 360);
}

/** A whole-frame tick step of 1, 2 or 5 × 10^k keeping labels `minPx` apart. */
export function frameStep(frameCount: number, plotW: number, minPx = 70): number {
  const raw = (frameCount * minPx) / Math.max(1, plotW);
  for (let mag = 1; ; mag *= 10) for (const m of [1, 2, 5]) if (m * mag >= raw) return m * mag;
}

function extent(values: Float32Array, into: [number, number]): boolean {
  let any = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    any = true;
    if (v < into[0]) into[0] = v;
    if (v > into[1]) into[1] = v;
  }
  return any;
}

/**
 * Axes for a model at a size. The y range follows the filtered curves; raw values widen it by at
 * most a quarter of that span, so one bad raw sample cannot flatten every curve.
 */
export function plotGeometry(model: PlotModel, width: number, height: number): PlotGeometry {
  const filtered: [number, number] = [Infinity, -Infinity];
  const raw: [number, number] = [Infinity, -Infinity];
  let anyFiltered = false;
  for (const s of model.series) {
    anyFiltered = extent(s.filtered, filtered) || anyFiltered;
    extent(s.raw, raw);
  }
  let lo = anyFiltered ? filtered[0] : raw[0];
  let hi = anyFiltered ? filtered[1] : raw[1];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [-10, 10];
  const span = Math.max(hi - lo, 10);
  if (Number.isFinite(raw[0])) lo = Math.max(Math.min(lo, raw[0]), lo - span / 4);
  if (Number.isFinite(raw[1])) hi = Math.min(Math.max(hi, raw[1]), hi + span / 4);
  if (hi - lo < 10) {
    const c = (hi + lo) / 2;
    [lo, hi] = [c - 5, c + 5];
  }
  const plotH = Math.max(10, height - MARGIN.top - MARGIN.bottom);
  const step = degreeStep(hi - lo, Math.max(2, Math.floor(plotH / 26)));
  // A little air above and below the curves, then out to whole ticks.
  const yMin = Math.floor((lo - 0.02 * (hi - lo)) / step) * step;
  const yMax = Math.ceil((hi + 0.02 * (hi - lo)) / step) * step;
  return {
    width,
    height,
    left: MARGIN.left,
    top: MARGIN.top,
    plotW: Math.max(10, width - MARGIN.left - MARGIN.right),
    plotH,
    yMin,
    yMax: yMax > yMin ? yMax : yMin + step,
    yStep: step,
    firstFrame: model.firstFrame,
    frameCount: Math.max(1, model.frameCount),
  };
}

export function xOfFrame(g: PlotGeometry, frame: number): number {
  return g.left + ((frame - g.firstFrame + 0.5) / g.frameCount) * g.plotW;
}

export function yOfValue(g: PlotGeometry, value: number): number {
  return g.top + ((g.yMax - value) / (g.yMax - g.yMin)) * g.plotH;
}

/** The video frame under x (clamped to the plotted range). */
export function frameAtX(g: PlotGeometry, x: number): number {
  const i = Math.floor(((x - g.left) / g.plotW) * g.frameCount);
  return g.firstFrame + Math.max(0, Math.min(g.frameCount - 1, i));
}

/** Sizes the canvas backing store for its CSS size; returns the context scaled to CSS pixels. */
export function prepareCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  dpr: number,
): CanvasRenderingContext2D | null {
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/**
 * Strokes one series with breaks at gaps. Below half a pixel per frame, samples are folded into
 * pixel columns (first, min, max, last), so an hour of frames costs a few thousand line segments;
 * a column without any value still breaks the line. Lone samples between gaps get a dot.
 * Returns the number of finite samples.
 */
function strokeSeries(
  ctx: CanvasRenderingContext2D,
  g: PlotGeometry,
  values: Float32Array,
  color: string,
  lineWidth: number,
  alpha: number,
): number {
  const n = Math.min(values.length, g.frameCount);
  const singles: [number, number][] = [];
  let finite = 0;
  let pen = false;
  let runLength = 0;
  let last: [number, number] = [0, 0];
  ctx.beginPath();
  const endRun = () => {
    if (pen && runLength === 1) singles.push(last);
    pen = false;
    runLength = 0;
  };
  const pxPerFrame = g.plotW / g.frameCount;
  if (pxPerFrame >= 0.5) {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) {
        endRun();
        continue;
      }
      finite++;
      const x = g.left + ((i + 0.5) / g.frameCount) * g.plotW;
      const y = yOfValue(g, v);
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
      runLength++;
      last = [x, y];
    }
  } else {
    const columns = Math.ceil(g.plotW);
    for (let c = 0; c < columns; c++) {
      const i0 = Math.floor(c / pxPerFrame);
      const i1 = Math.min(n, Math.floor((c + 1) / pxPerFrame));
      let first = NaN;
      let lastValue = NaN;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = i0; i < i1; i++) {
        const v = values[i];
        if (!Number.isFinite(v)) continue;
        finite++;
        if (Number.isNaN(first)) first = v;
        lastValue = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (Number.isNaN(first)) {
        endRun();
        continue;
      }
      const x = g.left + c + 0.5;
      if (pen) ctx.lineTo(x, yOfValue(g, first));
      else ctx.moveTo(x, yOfValue(g, first));
      ctx.lineTo(x, yOfValue(g, lo));
      ctx.lineTo(x, yOfValue(g, hi));
      ctx.lineTo(x, yOfValue(g, lastValue));
      pen = true;
      runLength++;
      last = [x, yOfValue(g, lastValue)];
    }
  }
  endRun();
  ctx.globalAlpha = alpha;
  ctx.strokeStyle = color;
  ctx.lineWidth = lineWidth;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  ctx.stroke();
  ctx.fillStyle = color;
  for (const [x, y] of singles) {
    ctx.beginPath();
    ctx.arc(x, y, Math.max(1.5, lineWidth), 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  return finite;
}

/** Runs [start, endExclusive) of sample indices where no plotted series has a filtered value. */
export function gapRuns(model: PlotModel): [number, number][] {
  const runs: [number, number][] = [];
  if (model.series.length === 0) return runs;
  let start = -1;
  for (let i = 0; i <= model.frameCount; i++) {
    const empty = i < model.frameCount && model.series.every((s) => !Number.isFinite(s.filtered[i]));
    if (empty && start < 0) start = i;
    if (!empty && start >= 0) {
      runs.push([start, i]);
      start = -1;
    }
  }
  return runs;
}

function drawEventGlyph(ctx: CanvasRenderingContext2D, e: PlotEvent, x: number, y: number): void {
  ctx.fillStyle = SIDE_COLORS[e.side];
  ctx.strokeStyle = SIDE_COLORS[e.side];
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  if (e.kind === 'foot_strike') {
    // Foot strike: a filled triangle pointing down at the ground.
    ctx.moveTo(x - 4.5, y - 4);
    ctx.lineTo(x + 4.5, y - 4);
    ctx.lineTo(x, y + 4);
    ctx.closePath();
    ctx.fill();
  } else {
    // Toe-off: a hollow circle (the foot leaving the ground).
    ctx.arc(x, y, 3.5, 0, Math.PI * 2);
    ctx.stroke();
  }
}

/** Axes, gridlines, gap shading, gait events and every series. */
export function drawPlotBase(ctx: CanvasRenderingContext2D, model: PlotModel, g: PlotGeometry): PlotStats {
  const right = g.left + g.plotW;
  const bottom = g.top + g.plotH;
  ctx.font = FONT;
  ctx.fillStyle = '#0f1013';
  ctx.fillRect(g.left, g.top, g.plotW, g.plotH);

  // Frames with no angle at all: shaded, and named when there is room.
  const gaps = gapRuns(model);
  for (const [a, b] of gaps) {
    const x0 = g.left + (a / g.frameCount) * g.plotW;
    const x1 = g.left + (b / g.frameCount) * g.plotW;
    ctx.fillStyle = 'rgba(255, 255, 255, 0.045)';
    ctx.fillRect(x0, g.top, Math.max(1, x1 - x0), g.plotH);
    if (x1 - x0 > 44) {
      ctx.fillStyle = '#6b707a';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText('no data', (x0 + x1) / 2, g.top + 4);
    }
  }

  // Y gridlines and labels in degrees; 0° stands out.
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let v = g.yMin; v <= g.yMax + 1e-9; v += g.yStep) {
    const y = Math.round(yOfValue(g, v)) + 0.5;
    ctx.strokeStyle = v === 0 ? 'rgba(255, 255, 255, 0.28)' : 'rgba(255, 255, 255, 0.08)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(g.left, y);
    ctx.lineTo(right, y);
    ctx.stroke();
    ctx.fillStyle = '#8b909a';
    ctx.fillText(`${v}°`, g.left - 5, y);
  }

  // X ticks at whole frames.
  const step = frameStep(g.frameCount, g.plotW);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const lastFrame = g.firstFrame + g.frameCount - 1;
  for (let f = Math.ceil(g.firstFrame / step) * step; f <= lastFrame; f += step) {
    const x = Math.round(xOfFrame(g, f)) + 0.5;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.05)';
    ctx.beginPath();
    ctx.moveTo(x, g.top);
    ctx.lineTo(x, bottom + 3);
    ctx.stroke();
    ctx.fillStyle = '#8b909a';
    ctx.fillText(String(f), x, bottom + 5);
  }
  ctx.textAlign = 'left';
  ctx.fillStyle = '#6b707a';
  ctx.fillText('frame', 4, bottom + 5);

  ctx.strokeStyle = 'rgba(255, 255, 255, 0.16)';
  ctx.strokeRect(g.left + 0.5, g.top + 0.5, g.plotW - 1, g.plotH - 1);

  // Gait events: one row per side above the plot, foot strikes also as faint lines through it.
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const side of ['left', 'right'] as const) {
    ctx.fillStyle = SIDE_COLORS[side];
    ctx.fillText(side === 'left' ? 'L' : 'R', g.left - 5, EVENT_ROWS[side]);
  }
  for (const e of model.events) {
    const x = xOfFrame(g, e.frame);
    if (x < g.left - 1 || x > right + 1) continue;
    if (e.kind === 'foot_strike') {
      ctx.strokeStyle = SIDE_COLORS[e.side];
      ctx.globalAlpha = 0.22;
      ctx.setLineDash([2, 3]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, g.top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }
    drawEventGlyph(ctx, e, x, EVENT_ROWS[e.side]);
  }

  // Curves: raw faint and thin under the filtered ones.
  ctx.save();
  ctx.beginPath();
  ctx.rect(g.left, g.top, g.plotW, g.plotH);
  ctx.clip();
  let rawPoints = 0;
  let points = 0;
  for (const s of model.series) rawPoints += strokeSeries(ctx, g, s.raw, s.color, 1, 0.38);
  for (const s of model.series) points += strokeSeries(ctx, g, s.filtered, s.color, 2, 1);
  ctx.restore();
  return { points, rawPoints, gaps: gaps.length };
}

/** The playhead (when inside the plotted frames) and the hover line with each curve's value. */
export function drawPlotOverlay(
  ctx: CanvasRenderingContext2D,
  model: PlotModel,
  g: PlotGeometry,
  playhead: number | null,
  hover: number | null,
): void {
  const bottom = g.top + g.plotH;
  const inside = (f: number) => f >= g.firstFrame && f < g.firstFrame + g.frameCount;
  if (hover !== null && inside(hover)) {
    const x = Math.round(xOfFrame(g, hover)) + 0.5;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.45)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, g.top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    for (const s of model.series) {
      const v = s.filtered[hover - g.firstFrame];
      if (!Number.isFinite(v)) continue;
      ctx.beginPath();
      ctx.arc(x, yOfValue(g, v), 3.5, 0, Math.PI * 2);
      ctx.fillStyle = s.color;
      ctx.fill();
      ctx.strokeStyle = '#000';
      ctx.stroke();
    }
  }
  if (playhead !== null && inside(playhead)) {
    const x = xOfFrame(g, playhead);
    ctx.strokeStyle = PLAYHEAD_COLOR;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, 2);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.fillStyle = PLAYHEAD_COLOR;
    ctx.beginPath();
    ctx.moveTo(x - 5, 0);
    ctx.lineTo(x + 5, 0);
    ctx.lineTo(x, 6);
    ctx.closePath();
    ctx.fill();
  }
}
