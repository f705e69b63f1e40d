/**
 * A small seeded random number generator for data generation (virtual cameras, detector noise,
 * batch sampling), so a training run and its validation views are reproducible from one seed.
 *
 * The generator is mulberry32 (32-bit state, period 2^32): plenty for sampling cameras and noise,
 * and its whole state is one integer, so a checkpoint can store it. Seeds for sub-streams (one per
 * sequence, per epoch, per step) come from `deriveSeed`, a 32-bit integer hash of a list of
 * integers, so the stream of step 1000 does not depend on how steps 0-999 ran.
 */

/** Mixes a list of integers into one 32-bit seed (murmur3's finaliser applied after each word). */
export function deriveSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    if (!Number.isFinite(p)) throw new Error(`deriveSeed: ${p} is not a finite number`);
    // Both 32-bit halves of the number, so large step counts and negative values still mix.
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    for (const w of [lo, hi]) {
      h = Math.imul(h ^ w, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

export class Rng {
  private s: number;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed ${seed} is not a finite number`);
    this.s = seed >>> 0;
  }

  /** The generator's state (restores with `Rng.fromState`). */
  state(): number {
    return this.s;
  }

  static fromState(state: number): Rng {
    return new Rng(state);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Log-uniform in [lo, hi) (both > 0): every factor of two equally likely. */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.uniform(Math.log(lo), Math.log(hi)));
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /**
   * Standard normal (Marsaglia's polar method; the second value of each pair is kept for the next
   * call).
   */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  /**
   * Number of failures before the first success of independent trials of probability p
   * (geometric): lets a loop jump straight to the next rare event. Infinity when p is 0.
   */
  skip(p: number): number {
    if (p <= 0) return Infinity;
    if (p >= 1) return 0;
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
