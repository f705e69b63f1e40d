import { describe, expect, it } from 'vitest';
import { KinemaError } from '../../../src/shared/errors';
import { Rng } from '../../../src/shared/lifting/rng';
import {
  checkFramesPerSequence,
  sampleFrames,
  tccLoss,
  type TccLossOptions,
  type TccLossType,
} from '../../../src/main/training/tcc/loss';

/** Sequences whose frame i is the one-hot vector e_{order[i]} (N frames, E = N); −1 = the zero vector. */
function oneHot(orders: number[][]): Float32Array {
  const N = orders[0].length;
  const out = new Float32Array(orders.length * N * N);
  orders.forEach((order, s) =>
    order.forEach((phase, i) => {
      if (phase >= 0) out[(s * N + i) * N + phase] = 1;
    }),
  );
  return out;
}

const identity = (n: number) => Array.from({ length: n }, (_, i) => i);
const opts = (type: TccLossType, extra: Partial<TccLossOptions> = {}): TccLossOptions => ({
  type,
  temperature: 0.1,
  varianceLambda: 0.001,
  ...extra,
});

describe('TCC loss values', () => {
  const N = 8;

  it('cycle-back classification: identical one-hot-per-phase sequences are at the minimum, collapsed ones at log N', () => {
    const perfect = tccLoss(oneHot([identity(N), identity(N)]), 2, N, N, opts('classification'));
    expect(perfect.loss).toBeGreaterThanOrEqual(0);
    expect(perfect.loss).toBeLessThan(1e-6);
    expect(perfect.cycleAccuracy).toBe(1);
    // The second sequence collapsed to one point as far from every phase: the cycle cannot come
    // back, β is uniform.
    const collapsed = tccLoss(oneHot([identity(N), new Array(N).fill(-1)]), 2, N, N, opts('classification'));
    expect(collapsed.loss).toBeCloseTo(Math.log(N), 3);
    expect(collapsed.cycleAccuracy).toBeLessThan(0.5);
  });

  it('cycle-back regression: zero for perfect cycles, 1 (variance-aware) or var(uniform) (MSE) when collapsed', () => {
    const pair = oneHot([identity(N), identity(N)]);
    const mse = tccLoss(pair, 2, N, N, opts('regression-mse'));
    expect(mse.loss).toBeLessThan(1e-6);
    const varAware = tccLoss(pair, 2, N, N, opts('regression'));
    // |i − μ|²/σ² ≈ 0; λ·log σ with σ² at its floor (1e-6) adds λ/2·log 1e-6 ≈ −0.007.
    expect(Math.abs(varAware.loss)).toBeLessThan(0.01);

    const bad = oneHot([identity(N), new Array(N).fill(-1)]);
    const uniformVar = (N * N - 1) / 12; // variance of the index under a uniform β
    expect(tccLoss(bad, 2, N, N, opts('regression-mse')).loss).toBeCloseTo(uniformVar, 3);
    expect(tccLoss(bad, 2, N, N, opts('regression')).loss).toBeCloseTo(1 + 0.0005 * Math.log(uniformVar), 3);
  });

  it('a sequence collapsed onto one phase sends every cycle to that phase', () => {
    const r = tccLoss(oneHot([identity(N), new Array(N).fill(3)]), 2, N, N, opts('classification'));
    // U → V → U: query 3 comes back (≈ 0), the others end 2/τ = 20 logits from their own frame.
    // V → U → V: V's frames are all one point, so β over them is uniform (log N).
    expect(r.loss).toBeCloseTo((((N - 1) / N) * 20 + Math.log(N)) / 2, 3);
    expect(r.cycleAccuracy).toBeLessThan(0.6);
  });

  it('a different order in the second sequence still cycles back (TCC only asks for consistency)', () => {
    const shuffled = [3, 0, 7, 1, 5, 2, 6, 4];
    const r = tccLoss(oneHot([identity(N), shuffled]), 2, N, N, opts('classification'));
    expect(r.loss).toBeLessThan(1e-6);
  });

  it('averages over every ordered pair of a batch', () => {
    const three = oneHot([identity(N), identity(N), new Array(N).fill(-1)]);
    const r = tccLoss(three, 3, N, N, opts('classification'));
    // Pairs (0,1), (1,0) cycle perfectly; the four pairs with the collapsed sequence 2 (as U or as V)
    // end in a uniform β: log N each.
    expect(r.loss).toBeCloseTo((4 * Math.log(N)) / 6, 2);
  });

  for (const type of ['classification', 'regression', 'regression-mse'] as const) {
    it(`${type}: the gradient matches finite differences`, () => {
      const S = 3;
      const n = 6;
      const E = 4;
      const rng = new Rng(7);
      const emb = Float32Array.from({ length: S * n * E }, () => rng.normal() * 0.6);
      const o = opts(type, { temperature: 0.5, varianceLambda: 0.1 });
      const { grad } = tccLoss(emb, S, n, E, o);
      const h = 1e-3;
      let worst = 0;
      let scale = 0;
      for (let k = 0; k < emb.length; k++) {
        const plus = Float32Array.from(emb);
        const minus = Float32Array.from(emb);
        plus[k] += h;
        minus[k] -= h;
        const numeric =
          (tccLoss(plus, S, n, E, o).loss - tccLoss(minus, S, n, E, o).loss) / (plus[k] - minus[k]);
        worst = Math.max(worst, Math.abs(numeric - grad[k]));
        scale = Math.max(scale, Math.abs(numeric));
      }
      expect(scale).toBeGreaterThan(1e-3); // the check is not vacuous
      expect(worst / scale).toBeLessThan(2e-3);
    });
  }

  it('refuses bad inputs with a reason', () => {
    expect(() => tccLoss(new Float32Array(8), 1, 4, 2)).toThrow(/at least 2 sequences/);
    expect(() => tccLoss(new Float32Array(7), 2, 2, 2)).toThrow(/not 2 sequences × 2 frames × 2/);
    expect(() => tccLoss(Float32Array.of(NaN, 0, 0, 0, 0, 0, 0, 0), 2, 2, 2)).toThrow(/NaN/);
    expect(() => tccLoss(new Float32Array(8), 2, 2, 2, opts('classification', { temperature: 0 }))).toThrow(
      /temperature must be positive/,
    );
    expect(() => tccLoss(new Float32Array(8), 2, 2, 2, opts('huber' as TccLossType))).toThrow(
      /Unknown TCC loss type/,
    );
  });
});

describe('frames sampled per sequence', () => {
  it('refuses a clip not longer than the frames sampled, naming it', () => {
    const clips = [
      { name: 'Serve 1', frames: 60 },
      { name: 'Serve 2', frames: 31 },
      { name: 'Serve 3', frames: 45 },
    ];
    expect(() => checkFramesPerSequence(clips, 30)).not.toThrow();
    let err: unknown = null;
    try {
      checkFramesPerSequence(clips, 32);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KinemaError);
    expect((err as KinemaError).code).toBe('CLIP_TOO_SHORT');
    expect((err as Error).message).toMatch(/Clip "Serve 2" has 31 frames/);
    expect((err as Error).message).toMatch(/at most 30/);
    // Equal to the clip's length is not "below" it.
    expect(() => checkFramesPerSequence(clips, 31)).toThrow(/Serve 2/);
    expect(() => checkFramesPerSequence([{ name: 'one', frames: 1 }], 2)).toThrow(/has 1 frame,/);
  });

  it('samples sorted, distinct frames spread over the whole clip', () => {
    const rng = new Rng(3);
    for (const [T, N] of [
      [33, 32],
      [100, 10],
      [250, 40],
    ]) {
      const f = sampleFrames(T, N, rng);
      expect(f.length).toBe(N);
      for (let i = 0; i < N; i++) {
        expect(f[i]).toBeGreaterThanOrEqual(Math.floor((i * T) / N));
        expect(f[i]).toBeLessThan(Math.floor(((i + 1) * T) / N) || 1);
        if (i > 0) expect(f[i]).toBeGreaterThan(f[i - 1]);
      }
    }
    expect(() => sampleFrames(10, 10, rng)).toThrow(/cannot give 10 samples/);
  });
});
