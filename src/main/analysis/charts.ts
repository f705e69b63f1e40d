/**
 * Small SVG line charts for the printable reports (kinematics, alignment): series with gaps
 * (NaN breaks the line, never drawn to zero), a degree axis with gridlines, vertical markers
 * (gait events, findings) and a caption. Pure string building; the reports embed the result.
 */

export interface ChartSeries {
  label: string;
  values: ArrayLike<number>;
  color: string;
  dash?: string;
  width?: number;
  opacity?: number;
}

export interface ChartMarker {
  /** Position on the x axis, in the same units as `xStart` (e.g. video frames). */
  x: number;
  color: string;
  dash?: string;
  label?: string;
}

export interface ChartOptions {
  /** x of values[0]; consecutive values are one unit apart. */
  xStart: number;
  xLabel: string;
  /** Unit appended to the y tick labels (e.g. '°'). */
  yUnit?: string;
  width?: number;
  height?: number;
  markers?: readonly ChartMarker[];
  caption?: string;
}

export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** SVG path data of a series: NaN samples lift the pen, so gaps show as gaps. */
export function gapPath(
  values: ArrayLike<number>,
  x: (i: number) => number,
  y: (v: number) => number,
): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** Round tick step for a range (1, 2 or 5 × a power of ten, about 4-6 ticks). */
function tickStep(range: number): number {
  const raw = range / 5;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

/** A line chart as a <figure> with an inline SVG, or '' when no series has a value. */
export function lineChart(series: readonly ChartSeries[], o: ChartOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 220;
  const pad = { l: 44, r: 12, t: 12, b: 30 };
  const n = Math.max(0, ...series.map((s) => s.values.length));
  const finite = series.flatMap((s) => Array.from(s.values).filter(Number.isFinite));
  if (!finite.length || n === 0) return '';
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
  const step = tickStep(hi - lo);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const x = (i: number) => pad.l + (i / Math.max(1, n - 1)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + ((hi - v) / (hi - lo)) * (H - pad.t - pad.b);
  const unit = o.yUnit ?? '';
  const ticks: string[] = [];
  for (let v = lo; v <= hi + step / 2; v += step)
    ticks.push(
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${Math.abs(v) < step / 2 ? '#999' : '#e3e3e3'}"/><text x="${pad.l - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Number(v.toFixed(6))}${unit}</text>`,
    );
  const markers = (o.markers ?? [])
    .filter((m) => m.x >= o.xStart && m.x <= o.xStart + n - 1)
    .map(
      (m) =>
        `<line x1="${x(m.x - o.xStart).toFixed(1)}" x2="${x(m.x - o.xStart).toFixed(1)}" y1="${pad.t}" y2="${H - pad.b}" stroke="${m.color}" stroke-dasharray="${m.dash ?? '3 3'}" stroke-width="1">${m.label ? `<title>${escapeHtml(m.label)}</title>` : ''}</line>`,
    )
    .join('');
  const lines = series
    .map(
      (s) =>
        `<path d="${gapPath(s.values, x, y)}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}${s.opacity !== undefined ? ` stroke-opacity="${s.opacity}"` : ''}/>`,
    )
    .join('');
  const legend = series
    .filter((s) => s.label)
    .map((s) => `<span style="color:${s.color}">${s.dash ? '┄' : '━'} ${escapeHtml(s.label)}</span>`)
    .join(' &nbsp; ');
  return `<figure class="chart"><svg width="${W}" height="${H}" font-size="11" font-family="sans-serif">${ticks.join('')}${markers}${lines}
<text x="${(pad.l + W - pad.r) / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(o.xLabel)} ${o.xStart}–${o.xStart + n - 1}</text></svg>
<figcaption>${o.caption ? `${escapeHtml(o.caption)}<br>` : ''}${legend}</figcaption></figure>`;
}
