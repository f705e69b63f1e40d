/**
 * Scoring an exported lifter (ONNX: the shipped one or a project lifter) on mocap sequences, through
 * the code that lifts users' tracks (lift.ts: onnxruntime, the model's own input normalisation,
 * edge padding, test-time flip). Each sequence is seen by seeded virtual cameras (dataset.ts:
 * renderView), with exact 2D or with detector-like noise; metrics.ts sums MPJPE, P-MPJPE, N-MPJPE
 * and velocity error overall, per joint and per category.
 */
import { DEFAULT_SAMPLE_OPTIONS, type LiftingSequence } from '../../shared/lifting/dataset';
import type { MetricsSummary } from '../../shared/lifting/metrics';
import { DEFAULT_NOISE } from '../../shared/lifting/noise';
import { evaluateViews } from './evaluate';
import { Lifter } from './lift';

export interface OnnxEvaluation {
  summary: MetricsSummary;
  receptiveField: number;
  views: number;
  noise: boolean;
}

/** Scores the lifter at `modelPath` on `sequences` (`views` cameras each, seeded by `seed`). */
export async function evaluateOnnxLifter(
  modelPath: string,
  sequences: readonly LiftingSequence[],
  options: { views: number; seed: number; noise: boolean; signal?: AbortSignal },
): Promise<OnnxEvaluation> {
  const lifter = await Lifter.open(modelPath, 1);
  try {
    const summary = await evaluateViews(
      async (view) => {
        // Back to pixels (the inverse of normalizeScreen), as a detector would report them.
        const T = view.screen.length / 34;
        const points = new Float32Array(T * 17 * 3);
        const w = view.width;
        for (let i = 0; i < T * 17; i++) {
          points[i * 3] = ((view.screen[i * 2] + 1) * w) / 2;
          points[i * 3 + 1] = ((view.screen[i * 2 + 1] + view.height / w) * w) / 2;
          points[i * 3 + 2] = 1;
        }
        const r = await lifter.lift(points, { width: w, height: view.height, skeleton: 'h36m17' });
        return r.jointsM;
      },
      sequences,
      {
        views: options.views,
        seed: options.seed,
        noise: options.noise ? DEFAULT_NOISE : null,
        sample: DEFAULT_SAMPLE_OPTIONS,
        signal: options.signal,
      },
    );
    return {
      summary,
      receptiveField: lifter.info.receptiveField,
      views: options.views,
      noise: options.noise,
    };
  } finally {
    await lifter.release();
  }
}
