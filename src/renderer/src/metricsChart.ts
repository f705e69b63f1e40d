/**
 * The data side of the Jobs panel's training curves: a job's metric points (ProgressUpdate.metrics,
 * e.g. { step, loss } every few steps and { step, epoch, valMpjpe } per epoch) become one band per
 * metric, all on the same x axis (the step when the points carry one, else their order), each
 * with its own y range, so a loss in millimetres and an accuracy in 0-1 both read well.
 */

/** Keys that place a point in time rather than measure something. */
const X_KEYS = ['step', 'epoch'] as const;

/** Labels of the metrics Kinema's training jobs report; others show their key. */
const LABELS: Record<string, string> = {
  loss: 'loss',
  valMpjpe: 'validation MPJPE',
  valLoss: 'validation loss',
  cycleAccuracy: 'cycle accuracy',
  heldOutCosine: 'held-out cosine',
};

export interface ChartBand {
  key: string;
  label: string;
  /** Points drawn (finite values only). */
  count: number;
  last: number;
  min: number;
  max: number;
  /** SVG polyline points "x,y x,y …" in a width × height box (y down); '' below two points. */
  polyline: string;
  /** Where single points are drawn as dots (per-epoch values). */
  dots: [number, number][];
}

export interface ChartModel {
  xKey: 'step' | 'index';
  xMin: number;
  xMax: number;
  bands: ChartBand[];
}

export function metricLabel(key: string): string {
  return LABELS[key] ?? key;
}

/**
 * Builds the bands of a chart `width` wide with bands `bandHeight` high. At most `maxPoints` per
 * band are drawn: longer series are thinned to evenly spaced points, keeping the last.
 */
export function buildChart(
  points: readonly Record<string, number>[],
  width: number,
  bandHeight: number,
  maxPoints = 300,
): ChartModel | null {
  if (points.length === 0) return null;
  const hasStep = points.some((p) => Number.isFinite(p.step));
  const xOf = (p: Record<string, number>, i: number): number => (hasStep ? p.step : i);
  const keys: string[] = [];
  for (const p of points)
    for (const k of Object.keys(p))
      if (!(X_KEYS as readonly string[]).includes(k) && !keys.includes(k)) keys.push(k);
  const xs = points.map(xOf).filter(Number.isFinite);
  if (xs.length === 0 || keys.length === 0) return null;
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const sx = (x: number) => (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * width : width / 2);
  const pad = 3;
  const bands: ChartBand[] = [];
  for (const key of keys) {
    const series: [number, number][] = [];
    points.forEach((p, i) => {
      const x = xOf(p, i);
      const y = p[key];
      if (Number.isFinite(x) && Number.isFinite(y)) series.push([x, y]);
    });
    if (series.length === 0) continue;
    const ys = series.map((s) => s[1]);
    const min = Math.min(...ys);
    const max = Math.max(...ys);
    const sy = (y: number) =>
      max > min ? pad + (1 - (y - min) / (max - min)) * (bandHeight - 2 * pad) : bandHeight / 2;
    const stride = Math.max(1, Math.ceil(series.length / maxPoints));
    const drawn = series.filter((_, i) => i % stride === 0 || i === series.length - 1);
    const xy = drawn.map(
      ([x, y]) => [Number(sx(x).toFixed(1)), Number(sy(y).toFixed(1))] as [number, number],
    );
    bands.push({
      key,
      label: metricLabel(key),
      count: series.length,
      last: series[series.length - 1][1],
      min,
      max,
      polyline: xy.length > 1 ? xy.map(([x, y]) => `${x},${y}`).join(' ') : '',
      dots: series.length <= 60 ? xy : [],
    });
  }
  return bands.length > 0 ? { xKey: hasStep ? 'step' : 'index', xMin, xMax, bands } : null;
}

/** A value for the band's caption: 3 significant digits, no exponent for everyday sizes. */
export function formatMetric(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.01 || a === 0) return v.toFixed(a >= 1 ? 2 : 3);
  return v.toExponential(1);
}
