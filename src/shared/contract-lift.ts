/**
 * The 3D lifting part of the contract (issue 5): lifting a pose track to 3D as a job, the stored
 * 3D series of a video, their joints, exports (npz/npy/csv/bvh/trc) and the MP4 render of the
 * video with the 3D skeleton beside it. Spread into `requests` in contract.ts.
 *
 * A lift is stored as frame series of the track (src/main/jobs/kinds/lift.ts): the joints
 * (kind 'joints3d', skeleton 'h36m17', 51 values per frame, metres, pelvis-relative camera space,
 * NaN rows without a pose) and the estimated root trajectory (3 values per frame).
 */
import { z } from 'zod';
import { frameSeriesInfoSchema } from './series';

const id = z.number().int().positive();
const frameIndex = z.number().int().min(0);

/** The lifter shipped in native-models/ (used when a request names none). */
export const DEFAULT_LIFTER = 'lifter-tcn27';
/** Series source of a lifter trained in the project: `lifter:<name>`. */
export const PROJECT_LIFTER_PREFIX = 'lifter:';

export const liftExportFormatSchema = z.enum(['npz', 'npy', 'csv', 'bvh', 'trc']);
export type LiftExportFormatName = z.infer<typeof liftExportFormatSchema>;

export const liftStartInputSchema = z
  .object({
    runId: id,
    /** Default: the run's longest track. */
    trackId: z.number().int().min(0).optional(),
    /** Half-open range; default: the whole track. */
    inFrame: frameIndex.optional(),
    outFrame: frameIndex.optional(),
    /** A shipped lifter id (e.g. lifter-tcn27) or the name of a lifter trained in the project. */
    lifter: z.string().trim().min(1).max(100).optional(),
    /** Test-time flip augmentation (default true). */
    flip: z.boolean().optional(),
  })
  .strict()
  .refine((v) => v.inFrame === undefined || v.outFrame === undefined || v.outFrame > v.inFrame, {
    message: 'The range must end after it starts (outFrame > inFrame)',
  });

export const liftSeriesSchema = frameSeriesInfoSchema.extend({
  /** The lifter's name (shipped id or project lifter name). */
  lifter: z.string(),
  /** The root trajectory series stored with it, if any. */
  rootSeriesId: z.number().int().nullable(),
});
export type LiftSeries = z.infer<typeof liftSeriesSchema>;

export const lifterChoiceSchema = z.object({
  /** What `lift.start` takes. */
  name: z.string(),
  kind: z.enum(['shipped', 'project']),
  description: z.string(),
});

export const liftRequests = {
  /** Checks the track and lifter, then queues a 'lift' job (the series appear on 'series.changed'). */
  'lift.start': {
    input: liftStartInputSchema,
    output: z.object({ jobId: id, lifter: z.string(), trackId: z.number().int() }),
  },
  /** Lifters to choose from: the shipped ones, then the project's (trained_models, family 'lifter'). */
  'lift.lifters': { input: z.object({}).strict(), output: z.array(lifterChoiceSchema) },
  /** The 3D joint series of a video's pose tracks, newest first. */
  'lift.list': { input: z.object({ videoId: id }).strict(), output: z.array(liftSeriesSchema) },
  /** A series' joints and root trajectory as little-endian Float32 bytes (like poses.tracks). */
  'lift.get': {
    input: z.object({ seriesId: id }).strict(),
    output: z.object({
      series: liftSeriesSchema,
      joints: z.array(z.string()),
      /** Parent of each joint (−1 for the pelvis). */
      parents: z.array(z.number().int()),
      /** frameCount × 17 × 3 Float32 (NaN rows without a pose). */
      values: z.instanceof(Uint8Array),
      /** frameCount × 3 Float32 pelvis positions in camera space, or null. */
      root: z.instanceof(Uint8Array).nullable(),
    }),
  },
  /** Writes a series to a file; without a path, beside the video. */
  'lift.export': {
    input: z
      .object({
        seriesId: id,
        format: liftExportFormatSchema,
        path: z.string().trim().min(1).max(4096).optional(),
      })
      .strict(),
    output: z.object({ path: z.string(), frames: z.number().int() }),
  },
  /** Queues a 'render-3d' job: MP4 of the video with the 3D skeleton beside it. */
  'lift.render': {
    input: z
      .object({
        seriesId: id,
        /** Default: beside the video, "<name> - 3d <seriesId>.mp4". */
        outPath: z.string().trim().min(1).max(4096).optional(),
        /** Half-open range within the series; default: all of it. */
        inFrame: frameIndex.optional(),
        outFrame: frameIndex.optional(),
        /** Output height (default: the video's, at most 480). */
        height: z.number().int().min(64).max(2160).optional(),
      })
      .strict(),
    output: z.object({ jobId: id, outPath: z.string(), frames: z.number().int() }),
  },
} as const;
