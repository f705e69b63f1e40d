/**
 * The pose-embedding part of the contract (issue 8, VIPE*): per-frame view-invariant embeddings of
 * a pose track, computed by a job ('embed') with the shipped VIPE* model or one the project trained
 * (trained_models, family 'vipe'), and stored as a frame series (kind 'embedding', source 'vipe' or
 * 'vipe:<name>'). Spread into `requests` in contract.ts.
 */
import { z } from 'zod';
import { frameSeriesInfoSchema, trainedModelNameSchema } from './series';

const id = z.number().int().positive();
const frame = z.number().int().min(0);

/** The shipped embedder's name (native-models/vipe.onnx). */
export const SHIPPED_VIPE = 'vipe';

/** Series source of an embedder: 'vipe' for the shipped one, 'vipe:<name>' for a trained one. */
export function vipeSource(model: string): string {
  return model === SHIPPED_VIPE ? SHIPPED_VIPE : `${SHIPPED_VIPE}:${model}`;
}

export const embedStartInputSchema = z
  .object({
    /** The video; or give clipId (its video and range). */
    videoId: id.optional(),
    clipId: id.optional(),
    /** Default: the video's newest pose run. */
    runId: id.optional(),
    /** Default: the run's longest track in the range. */
    trackId: frame.optional(),
    /** Half-open frame range; narrows a clip's range. Default: the whole track (or clip). */
    inFrame: frame.optional(),
    outFrame: frame.optional(),
    /** 'vipe' (shipped, the default) or the name of a VIPE* model trained in the project. */
    model: trainedModelNameSchema.optional(),
  })
  .strict()
  .refine((v) => v.videoId !== undefined || v.clipId !== undefined, {
    message: 'Give a video or a clip to embed',
  })
  .refine((v) => v.inFrame === undefined || v.outFrame === undefined || v.outFrame > v.inFrame, {
    message: 'The range is empty: outFrame must be after inFrame',
  });

export const embedderInfoSchema = z.object({
  /** What embed.start's `model` takes. */
  model: z.string(),
  /** The series source its embeddings are stored under. */
  source: z.string(),
  origin: z.enum(['shipped', 'project']),
  /** trained_models id of a project model. */
  modelId: id.nullable(),
  embeddingDim: z.number().int(),
  /** Frames of temporal context the model sees (1: a single frame). */
  receptiveField: z.number().int(),
  description: z.string(),
});
export type EmbedderInfo = z.infer<typeof embedderInfoSchema>;

export const embedRequests = {
  /** Checks the video/clip, run, track and model, then queues an 'embed' job. */
  'embed.start': {
    input: embedStartInputSchema,
    output: z.object({ jobId: id, source: z.string(), runId: id, trackId: z.number().int() }),
  },
  /** The embedders available (shipped + trained in the project) and, for a video, its stored embeddings. */
  'embed.list': {
    input: z.object({ videoId: id.optional() }).strict(),
    output: z.object({
      embedders: z.array(embedderInfoSchema),
      series: z.array(frameSeriesInfoSchema),
    }),
  },
} as const;
