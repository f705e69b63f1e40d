/**
 * The TCC part of the contract (issue 6: temporal alignment with a learned embedding): training an
 * encoder on clips of one motion as a job, the project's trained encoders, and the 2D map of
 * several clips' per-frame embeddings. Spread into `requests` in contract.ts.
 *
 * A trained encoder is used as alignment features by naming it `tcc:<model name>` in
 * `align.compute` (and report / video); its per-clip embeddings are stored as frame series
 * (kind 'embedding', source `tcc:<name>`).
 */
import { z } from 'zod';
import { trainedModelInfoSchema, trainedModelNameSchema } from './series';

const id = z.number().int().positive();

/** Training-free per-frame features a TCC encoder reads (shared/alignment/features.ts). */
export const tccInputFeatureSchema = z.enum(['keypoints', 'bones', 'angles']);
export const TCC_DEFAULT_FEATURES = ['keypoints', 'bones', 'angles'] as const;

/** The TCC loss variants: cycle-back classification, regression, regression with an MSE. */
export const tccLossSchema = z.enum(['classification', 'regression', 'regression-mse']);
export type TccLossName = z.infer<typeof tccLossSchema>;

/** Alignment features naming a trained encoder: `tcc:<model name>`. */
export const TCC_FEATURE_PREFIX = 'tcc:';
export const tccFeatureSchema = z
  .string()
  .regex(/^tcc:[\w.-]{1,80}$/, 'A trained feature is written tcc:<model name>');

/** The model name in a `tcc:<name>` feature, or null for a training-free feature. */
export function tccModelName(feature: string): string | null {
  return feature.startsWith(TCC_FEATURE_PREFIX) ? feature.slice(TCC_FEATURE_PREFIX.length) : null;
}

/** Defaults of the Train TCC dialog and `kinema train-tcc`. */
export const TCC_TRAIN_DEFAULTS = {
  steps: 500,
  batchSize: 4,
  framesPerSequence: 32,
  loss: 'classification' as TccLossName,
};

export const tccTrainInputSchema = z
  .object({
    name: trainedModelNameSchema,
    /** Train on every clip with this label (case and surrounding spaces ignored)... */
    label: z.string().trim().min(1).max(200).optional(),
    /** ...or on these clips. */
    clipIds: z.array(id).min(2, 'TCC training needs at least 2 clips').max(500).optional(),
    steps: z.number().int().min(1).max(100_000).optional(),
    /** Clips per step. */
    batchSize: z.number().int().min(2).max(64).optional(),
    /** Frames sampled per clip and step; must stay below the shortest clip's length. */
    framesPerSequence: z.number().int().min(2).max(1000).optional(),
    loss: tccLossSchema.optional(),
    features: z.array(tccInputFeatureSchema).min(1).max(3).optional(),
    /** Replace a model of the same name (otherwise the name must be new). */
    replace: z.boolean().optional(),
  })
  .strict()
  .refine((v) => (v.label === undefined) !== (v.clipIds === undefined), {
    message: 'Give either a clip label or clip ids to train on',
  });

export const tccMapPointsSchema = z.object({
  clipId: id,
  /** Clip label (or "Clip N"), for the legend. */
  name: z.string(),
  videoId: id,
  /** Video frame of each point. */
  frames: z.array(z.number().int()),
  /** 2D coordinates, x0, y0, x1, y1, ... */
  xy: z.array(z.number()),
});

export const tccRequests = {
  /** Checks the clips and settings, then queues a 'train-tcc' job (progress in the Jobs panel). */
  'tcc.train': {
    input: tccTrainInputSchema,
    output: z.object({
      jobId: id,
      name: z.string(),
      clipIds: z.array(id),
      /** Frames of the shortest training clip (what framesPerSequence must stay below). */
      shortestClip: z.number().int(),
    }),
  },
  /** The project's trained TCC encoders (trained_models, family 'tcc'). */
  'tcc.models': { input: z.object({}).strict(), output: z.array(trainedModelInfoSchema) },
  /** Deletes an encoder and its stored embeddings. */
  'tcc.deleteModel': {
    input: z.object({ modelId: id }).strict(),
    output: z.object({ deleted: z.boolean() }),
  },
  /**
   * t-SNE map of the per-frame embeddings of chosen clips (each clip's newest run, longest
   * track, over the clip's range), frames subsampled evenly to at most `maxPoints` in all.
   */
  'tcc.map': {
    input: z
      .object({
        model: trainedModelNameSchema,
        clipIds: z.array(id).min(1).max(24),
        maxPoints: z.number().int().min(10).max(1500).optional(),
        perplexity: z.number().positive().max(100).optional(),
      })
      .strict(),
    output: z.object({
      model: z.string(),
      clips: z.array(tccMapPointsSchema),
      /** Every `step`-th frame of each clip is shown. */
      step: z.number().int(),
      perplexity: z.number(),
      kl: z.number(),
      seconds: z.number(),
    }),
  },
} as const;
