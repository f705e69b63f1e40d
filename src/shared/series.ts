/**
 * Per-frame series derived from a pose track (embeddings, lifted 3D joints) and models the
 * project trained itself: the shapes the API returns. Stored by src/main/db/series.ts
 * (migration 0005). Frame ranges are half-open, [firstFrame, firstFrame + frameCount).
 */
import { z } from 'zod';

export const seriesKindSchema = z.enum(['embedding', 'joints3d']);
export type SeriesKind = z.infer<typeof seriesKindSchema>;

export const trainedModelFamilySchema = z.enum(['tcc', 'lifter', 'vipe', 'student']);
export type TrainedModelFamily = z.infer<typeof trainedModelFamilySchema>;

export const frameSeriesInfoSchema = z.object({
  id: z.number().int(),
  kind: seriesKindSchema,
  /** What produced it: 'lifter-tcn27', 'tcc:<model name>', 'vipe', ... */
  source: z.string(),
  /** The project-trained model that produced it, if any. */
  modelId: z.number().int().nullable(),
  runId: z.number().int(),
  trackId: z.number().int(),
  clipId: z.number().int().nullable(),
  firstFrame: z.number().int(),
  frameCount: z.number().int(),
  /** Values per frame: the embedding size, or joints × 3 for 3D joints. */
  width: z.number().int(),
  /** The skeleton of 3D joints (null for embeddings). */
  skeletonId: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  jobId: z.number().int().nullable(),
  createdAt: z.string(),
});
export type FrameSeriesInfo = z.infer<typeof frameSeriesInfoSchema>;

export const trainedModelInfoSchema = z.object({
  id: z.number().int(),
  family: trainedModelFamilySchema,
  name: z.string(),
  params: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  /** Size of the stored ONNX model. */
  bytes: z.number().int(),
  /** Its training weights are stored too, so training can go on from it (lifters). */
  fineTunable: z.boolean(),
  jobId: z.number().int().nullable(),
  createdAt: z.string(),
});
export type TrainedModelInfo = z.infer<typeof trainedModelInfoSchema>;

/** A model name users can type on a command line and see in a list. */
export const trainedModelNameSchema = z
  .string()
  .trim()
  .min(1, 'A model name is required')
  .max(80, 'A model name has at most 80 characters')
  .regex(/^[\w.-]+$/, 'A model name may hold letters, digits, ".", "-" and "_" only');
