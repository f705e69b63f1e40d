/**
 * Training and fine-tuning a 3D lifter on the user's own mocap (issue 5), as a 'train-lifter' job:
 * BVH, C3D or TRC files and folders, a validation list or a default hold-out, the model's size and
 * schedule, where the weights start (the shipped lifter, a lifter trained in the project, or
 * nothing), and optionally the project's pose tracks as unlabelled 2D (semi-supervised). The model lands in
 * trained_models (family 'lifter'), where lifting picks it up by name. Spread into `requests` in
 * contract.ts.
 */
import { z } from 'zod';
import { trainedModelInfoSchema, trainedModelNameSchema } from './series';

const id = z.number().int().positive();
const mocapPath = z.string().trim().min(1, 'An empty path').max(4096);

export const LIFTER_RECEPTIVE_FIELDS = [1, 27, 81, 243] as const;

/** Defaults of `kinema train-lifter` and the dialog (the shipped lifter's size). */
export const LIFTER_TRAIN_DEFAULTS = {
  receptiveField: 27,
  channels: 256,
  epochs: 20,
  batchSize: 256,
  /** From scratch; fine-tuning starts lower so the shipped weights are refined, not overwritten. */
  learningRate: 3e-3,
  fineTuneLearningRate: 1e-3,
  noise: true,
  init: 'shipped' as 'shipped' | 'none',
  seed: 1,
};

export const lifterTrainInputSchema = z
  .object({
    name: trainedModelNameSchema,
    /** Mocap files or folders (searched recursively for .bvh, .c3d, .trc). */
    files: z.array(mocapPath).min(1, 'Choose at least one mocap file or folder').max(10_000),
    /** Validation files or folders, never trained on; default: about one training file in five. */
    validationFiles: z.array(mocapPath).max(10_000).optional(),
    receptiveField: z
      .number()
      .int()
      .refine((v) => (LIFTER_RECEPTIVE_FIELDS as readonly number[]).includes(v), {
        message: `The receptive field must be one of ${LIFTER_RECEPTIVE_FIELDS.join(', ')} frames`,
      })
      .optional(),
    channels: z.number().int().min(8).max(1024).optional(),
    epochs: z.number().int().min(1).max(1000).optional(),
    batchSize: z.number().int().min(1).max(4096).optional(),
    learningRate: z.number().positive().max(1).optional(),
    /** Detector-like noise on the 2D input (as the shipped lifter was trained). */
    noise: z.boolean().optional(),
    /**
     * 'shipped': fine-tune the shipped lifter (receptive field 27, 256 channels); 'project':
     * fine-tune the project lifter named `initLifter` (its size is kept); 'none': from scratch.
     */
    init: z.enum(['shipped', 'project', 'none']).optional(),
    initLifter: trainedModelNameSchema.optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    /** Replace a project lifter of the same name (otherwise the name must be new). */
    replace: z.boolean().optional(),
    /**
     * Semi-supervised: pose tracks of this project learnt from as 2D only (VideoPose3D's
     * back-projection); a run without `trackId` gives all its tracks. Empty or absent: supervised.
     */
    unlabeledTracks: z
      .array(z.object({ runId: id, trackId: z.number().int().nonnegative().optional() }).strict())
      .max(1000)
      .optional(),
  })
  .strict()
  .refine((v) => (v.init === 'project') === (v.initLifter !== undefined), {
    message: "Name the project lifter to fine-tune (initLifter) exactly when init is 'project'",
    path: ['initLifter'],
  });
export type LifterTrainInput = z.infer<typeof lifterTrainInputSchema>;

export const lifterTrainingRequests = {
  /** Checks the files (readable, mappable, long enough) and settings, then queues 'train-lifter'. */
  'lifterTraining.start': {
    input: lifterTrainInputSchema,
    output: z.object({
      jobId: id,
      name: z.string(),
      trainFiles: z.number().int(),
      validationFiles: z.number().int(),
      /** How validation was chosen: the user's files, held-out files, or the end of the one take. */
      holdOut: z.enum(['user', 'files', 'time']),
      trainFrames: z.number().int(),
      validationFrames: z.number().int(),
      totalSteps: z.number().int(),
      /** Semi-supervised: unlabelled frames (at the lifter's rate) and the track segments they come from. */
      unlabeledFrames: z.number().int(),
      unlabeledSegments: z.number().int(),
    }),
  },
  /** The project's trained lifters (trained_models, family 'lifter'). */
  'lifterTraining.models': { input: z.object({}).strict(), output: z.array(trainedModelInfoSchema) },
} as const;
