/**
 * The VPD student part of the contract (issue 8): distilling a pose-embedding teacher (VIPE*) into
 * a small image network over athlete crops + optical flow, as a job, and applying a trained student
 * to a video. Spread into `requests` in contract.ts.
 *
 * The teacher is read from the project: its per-frame embeddings of each chosen video's track,
 * stored as frame series (kind 'embedding', source `teacher`, e.g. 'vipe'); the student learns
 * that track's frames and writes its own series with source `student:<name>`, the same layout.
 */
import { z } from 'zod';
import { trainedModelInfoSchema, trainedModelNameSchema } from './series';

const id = z.number().int().positive();

/** A series source the student can learn from, e.g. 'vipe' or 'vipe:<model>'. */
export const teacherSourceSchema = z
  .string()
  .trim()
  .regex(/^[\w.:-]{1,100}$/, 'A teacher is named by its embedding series source, e.g. vipe');

export const STUDENT_SOURCE_PREFIX = 'student:';

/** Defaults of `kinema train-student` and the request. */
export const STUDENT_TRAIN_DEFAULTS = {
  teacher: 'vipe',
  steps: 2000,
  batchSize: 64,
  cropSize: 64,
  appearance: 'grey' as 'grey' | 'rgb',
  mask: false,
};

export const studentTrainInputSchema = z
  .object({
    name: trainedModelNameSchema,
    /** Videos whose teacher embeddings (and their track) the student learns from. */
    videoIds: z.array(id).min(1, 'Give at least one video').max(200),
    teacher: teacherSourceSchema.optional(),
    steps: z.number().int().min(1).max(200_000).optional(),
    batchSize: z.number().int().min(1).max(512).optional(),
    /** Side of the square crop (a multiple of 8). */
    cropSize: z.number().int().min(16).max(256).multipleOf(8).optional(),
    appearance: z.enum(['grey', 'rgb']).optional(),
    /** Add the athlete's mask as an input channel. */
    mask: z.boolean().optional(),
    /** Replace a student of the same name (otherwise the name must be new). */
    replace: z.boolean().optional(),
  })
  .strict();

export const studentEmbedInputSchema = z
  .object({
    /** The student, by name. */
    model: trainedModelNameSchema,
    videoId: id,
    /** Default: the video's newest run and its longest track. */
    runId: id.optional(),
    trackId: z.number().int().min(0).optional(),
  })
  .strict();

export const studentRequests = {
  /** Checks the videos, teacher and settings, then queues a 'train-student' job. */
  'student.train': {
    input: studentTrainInputSchema,
    output: z.object({
      jobId: id,
      name: z.string(),
      /** Frames with a teacher embedding, over all videos. */
      teacherFrames: z.number().int(),
    }),
  },
  /** Queues a 'student-embed' job: the student's embeddings of a track, stored as a series. */
  'student.embed': {
    input: studentEmbedInputSchema,
    output: z.object({ jobId: id, source: z.string() }),
  },
  /** The project's trained students (trained_models, family 'student'). */
  'student.models': { input: z.object({}).strict(), output: z.array(trainedModelInfoSchema) },
} as const;
