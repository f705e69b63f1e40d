/**
 * Interpolation between keyframes: linear, and smooth as a cubic Hermite spline with
 * Catmull-Rom tangents for unevenly spaced knots, m_i = (p_{i+1} − p_{i−1}) / (t_{i+1} − t_{i−1}),
 * one-sided, (p_1 − p_0) / (t_1 − t_0), at the first and last knot. The spline passes through
 * every knot, and with evenly spaced knots on a straight line it is that line.
 */

export type InterpolationMethod = 'linear' | 'smooth';

export function lerp(t0: number, p0: number, t1: number, p1: number, t: number): number {
  return t1 === t0 ? p0 : p0 + ((p1 - p0) * (t - t0)) / (t1 - t0);
}

/** Catmull-Rom tangents at each knot (knot times strictly increasing). */
export function catmullRomTangents(ts: readonly number[], ps: readonly number[]): number[] {
  const n = ts.length;
  if (n < 2) return new Array<number>(n).fill(0);
  return ts.map((_, i) => {
    const a = i === 0 ? 0 : i - 1;
    const b = i === n - 1 ? n - 1 : i + 1;
    return (ps[b] - ps[a]) / (ts[b] - ts[a]);
  });
}

/** The cubic Hermite curve from (t0, p0) with slope m0 to (t1, p1) with slope m1, at t. */
export function hermite(
  t0: number,
  p0: number,
  m0: number,
  t1: number,
  p1: number,
  m1: number,
  t: number,
): number {
  const h = t1 - t0;
  if (h === 0) return p0;
  const s = (t - t0) / h;
  const s2 = s * s;
  const s3 = s2 * s;
  return (
    (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * h * m0 + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * h * m1
  );
}

/**
 * The value at t of the curve through the knots (ts, ps): linear between the two knots around t,
 * or the Catmull-Rom spline through all of them. t outside the knots takes the nearest end.
 */
export function interpolateAt(
  ts: readonly number[],
  ps: readonly number[],
  t: number,
  method: InterpolationMethod,
  tangents?: readonly number[],
): number {
  const n = ts.length;
  if (n === 0) return NaN;
  if (t <= ts[0]) return ps[0];
  if (t >= ts[n - 1]) return ps[n - 1];
  let i = 0;
  while (i + 1 < n && ts[i + 1] <= t) i++;
  if (ts[i] === t) return ps[i];
  if (method === 'linear') return lerp(ts[i], ps[i], ts[i + 1], ps[i + 1], t);
  const m = tangents ?? catmullRomTangents(ts, ps);
  return hermite(ts[i], ps[i], m[i], ts[i + 1], ps[i + 1], m[i + 1], t);
}
