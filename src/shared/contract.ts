/**
 * The one contract between the renderer and the main process.
 *
 * Every request is a name, a zod schema for its payload and a schema for its result; every
 * pushed event is a name and a payload schema. Main validates each payload against this file
 * before a handler runs; the Electron preload and the web-mode bridge both expose the same
 * `window.kinema` built from it, so the renderer cannot tell which transport it runs on.
 */
import { z } from 'zod';
import { editRequests } from './contract-edits';
import { tccFeatureSchema, tccRequests } from './contract-tcc';
import { studentRequests } from './contract-student';
import { embedRequests } from './contract-embed';
import { cropInspectorRequests } from './contract-crop-inspector';
import { actionRequests } from './contract-actions';
import { liftRequests } from './contract-lift';
import { lifterTrainingRequests } from './contract-lifter-training';

export { KinemaError, unwrap, type Envelope } from './errors';

const id = z.number().int().positive();
const frameIndex = z.number().int().nonnegative();
/** Absolute or relative file-system path as the user typed or picked it. */
const filePath = z.string().trim().min(1, 'A file path is required').max(4096);

export const projectSchema = z.object({
  path: z.string(),
  name: z.string(),
  createdAt: z.string(),
});
export type Project = z.infer<typeof projectSchema>;

export const videoStatusSchema = z.enum(['importing', 'ready', 'failed', 'missing']);

export const videoSchema = z.object({
  id,
  path: z.string(),
  fileName: z.string(),
  /** SHA-256 of the file's bytes; null until the import job has hashed it. */
  hash: z.string().nullable(),
  sizeBytes: z.number(),
  durationS: z.number(),
  /** Average frame rate as ffprobe reports it (num/den) and as a float. */
  fpsNum: z.number().int(),
  fpsDen: z.number().int(),
  fps: z.number(),
  frameCount: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  codec: z.string(),
  hasAudio: z.boolean(),
  status: videoStatusSchema,
  /** True once a short-GOP seek proxy exists, so scrubbing is fast. */
  hasProxy: z.boolean(),
  thumbnailCount: z.number().int(),
  importedAt: z.string(),
});
export type Video = z.infer<typeof videoSchema>;

export const clipSchema = z.object({
  id,
  videoId: id,
  /** First frame of the clip (inclusive). */
  inFrame: frameIndex,
  /** One past the last frame of the clip (exclusive): a clip holds outFrame - inFrame frames. */
  outFrame: frameIndex,
  label: z.string(),
  notes: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Clip = z.infer<typeof clipSchema>;

export const jobKindSchema = z.enum([
  'import',
  'export',
  'detect',
  'align-video',
  'crops',
  'train-tcc',
  'train-student',
  'student-embed',
  'embed',
  'lift',
  'render-3d',
  'train-lifter',
]);
export type JobKind = z.infer<typeof jobKindSchema>;
export const jobStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof jobStateSchema>;

export const jobSchema = z.object({
  id,
  kind: jobKindSchema,
  title: z.string(),
  params: z.unknown(),
  state: jobStateSchema,
  phase: z.string(),
  done: z.number(),
  total: z.number(),
  message: z.string(),
  error: z.string().nullable(),
  result: z.unknown(),
  /** How many times the job was started; above 1 means it resumed after a restart. */
  attempts: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Job = z.infer<typeof jobSchema>;

export const thumbnailSchema = z.object({ frame: frameIndex, jpeg: z.instanceof(Uint8Array) });
export type Thumbnail = z.infer<typeof thumbnailSchema>;

export const frameImageSchema = z.object({
  videoId: id,
  frame: frameIndex,
  width: z.number().int(),
  height: z.number().int(),
  jpeg: z.instanceof(Uint8Array),
  /** 'proxy' while the seek proxy served it, 'original' when decoded from the source file. */
  source: z.enum(['proxy', 'original']),
});
export type FrameImage = z.infer<typeof frameImageSchema>;

export const dirEntrySchema = z.object({
  name: z.string(),
  path: z.string(),
  kind: z.enum(['dir', 'file']),
  sizeBytes: z.number(),
});

export const exportModeSchema = z.enum(['auto', 'copy', 'reencode']);

const empty = z.object({}).strict();

export const modelInfoSchema = z.object({
  id: z.string(),
  task: z.string(),
  description: z.string(),
  /** Skeleton of the keypoints it outputs (src/shared/skeletons). */
  skeletonId: z.string(),
  inputSize: z.number().int(),
  /** How detection can run it: 'single' follows one athlete, 'multi' everyone. */
  people: z.array(z.enum(['single', 'multi'])),
});
export type PeopleMode = 'single' | 'multi';
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const poseTrackSummarySchema = z.object({
  trackId: z.number().int(),
  label: z.string(),
  firstFrame: z.number().int(),
  lastFrame: z.number().int(),
  /** Frames that have a pose (a track may have gaps). */
  frameCount: z.number().int(),
});

/** One detection or import: where a set of tracks came from. */
export const poseRunSchema = z.object({
  id,
  videoId: id,
  skeletonId: z.string(),
  /**
   * 'filter': smoothed from another run (params.fromRunId), which is kept unchanged; 'edit': the
   * correction editor's copy of another run (params.fromRunId), also kept unchanged.
   */
  source: z.enum(['model', 'import', 'filter', 'edit']),
  /** Model id (source 'model'), file format (source 'import') or filter name (source 'filter'). */
  model: z.string(),
  params: z.unknown(),
  createdAt: z.string(),
  tracks: z.array(poseTrackSummarySchema),
});
export type PoseRun = z.infer<typeof poseRunSchema>;

/**
 * A run's tracks in compact binary form for drawing: little-endian typed-array bytes
 * (frames Int32, keypoints Float32 frames×K×3 as x, y in source-video pixels and score, boxes
 * Float32 frames×4 as x, y, w, h, scores Float32 per frame).
 */
export const poseTrackDataSchema = z.object({
  trackId: z.number().int(),
  frames: z.instanceof(Uint8Array),
  keypoints: z.instanceof(Uint8Array),
  boxes: z.instanceof(Uint8Array),
  scores: z.instanceof(Uint8Array),
});

/** Filter of kinematics series (shared/kinematics/series.ts). */
export const seriesFilterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('butterworth'), cutoffHz: z.number().positive().max(1000) }).strict(),
  z.object({ kind: z.literal('gaussian'), sigmaFrames: z.number().positive().max(1000) }).strict(),
  z.object({ kind: z.literal('median'), window: z.number().int().min(3).max(301) }).strict(),
]);

/** A user-defined angle (shared/kinematics/angles.ts AngleSpec); points by joint name. */
export const angleSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(80),
    kind: z.enum(['inner', 'signed', 'segment', 'segments']),
    points: z.array(z.string().min(1).max(80)).min(2).max(4),
    sign: z.union([z.literal(1), z.literal(-1)]).optional(),
    offset: z.number().finite().optional(),
    center: z.number().finite().optional(),
    description: z.string().max(300).optional(),
  })
  .strict();

/** Which track, which frames, how: the input of kinematics.compute and kinematics.export. */
const kinematicsInput = {
  runId: id,
  trackId: z.number().int().min(0),
  /** Half-open frame range; the whole track when absent. */
  inFrame: frameIndex.optional(),
  outFrame: frameIndex.optional(),
  /** Default: zero-phase Butterworth at 6 Hz. */
  filter: seriesFilterSchema.optional(),
  /** 2D: which way the person faces ('auto' detects it per frame). */
  facing: z.enum(['auto', 'left', 'right']).optional(),
  custom: z.array(angleSpecSchema).max(50).optional(),
};

const nullableNumber = z.number().nullable();
export const kinematicsResultSchema = z.object({
  runId: id,
  trackId: z.number().int(),
  skeletonId: z.string(),
  fps: z.number(),
  /** Video frame of the series' first sample. */
  firstFrame: z.number().int(),
  frameCount: z.number().int(),
  filter: seriesFilterSchema,
  angles: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      /** Float32 little-endian bytes, degrees per frame, NaN = gap. */
      raw: z.instanceof(Uint8Array),
      filtered: z.instanceof(Uint8Array),
      validFrames: z.number().int(),
      summary: z.object({
        min: nullableNumber,
        max: nullableNumber,
        mean: nullableNumber,
        range: nullableNumber,
        minFrame: z.number().int(),
        maxFrame: z.number().int(),
      }),
    }),
  ),
  unavailable: z.array(z.object({ name: z.string(), reason: z.string() })),
  gait: z
    .object({
      mode: z.enum(['walk', 'run']),
      method: z.string(),
      /** Video frames (fractional). */
      events: z.array(
        z.object({
          side: z.enum(['left', 'right']),
          kind: z.enum(['foot_strike', 'toe_off']),
          frame: z.number(),
          time: z.number(),
        }),
      ),
      /** GaitMetrics with NaN as null. */
      metrics: z.record(z.string(), z.unknown()),
      warnings: z.array(z.string()),
    })
    .nullable(),
  gaitError: z.string().nullable(),
});
export type KinematicsResult = z.infer<typeof kinematicsResultSchema>;

/** One side of an alignment: a track of a pose run over a frame range. */
const alignSideSchema = z
  .object({
    runId: id,
    trackId: z.number().int().min(0),
    /** Half-open frame range; the whole track when absent. */
    inFrame: frameIndex.optional(),
    outFrame: frameIndex.optional(),
  })
  .strict();

const alignInput = {
  learner: alignSideSchema,
  reference: alignSideSchema,
  /** Per-frame features (default bones + angles, the view-robust ones), ['tcc:<model>'] or ['lifted3d']. */
  features: z
    .union([
      z
        .array(z.enum(['keypoints', 'bones', 'angles']))
        .min(1)
        .max(3),
      z.tuple([tccFeatureSchema]),
      /** Lifted 3D poses (the default shipped lifter), view-invariant body-frame features. */
      z.tuple([z.literal('lifted3d')]),
    ])
    .optional(),
  distance: z.enum(['euclidean', 'sqeuclidean', 'cosine']).optional(),
  /** Sakoe-Chiba band, fraction of the longer side (global mode). */
  band: z.number().positive().max(1).optional(),
  /** 'global': both ranges end to end; 'subsequence': find the reference motion inside the learner range. */
  mode: z.enum(['global', 'subsequence']).optional(),
};

export const alignResultSchema = z.object({
  mode: z.enum(['global', 'subsequence']),
  learnerVideoId: id,
  referenceVideoId: id,
  /** Int32 little-endian bytes: the warping path as video-frame pairs. */
  pathLearner: z.instanceof(Uint8Array),
  pathReference: z.instanceof(Uint8Array),
  /** Int32 bytes: reference frame of learner frame learnerStart + i. */
  learnerToReference: z.instanceof(Uint8Array),
  /** Int32 bytes: learner frame of reference frame referenceStart + j. */
  referenceToLearner: z.instanceof(Uint8Array),
  learnerStart: z.number().int(),
  learnerEnd: z.number().int(),
  referenceStart: z.number().int(),
  referenceEnd: z.number().int(),
  cost: z.number(),
  normalizedCost: z.number(),
  /** TCC's nearest-neighbour Kendall's tau of the features (null when undefined). */
  featureTau: z.number().nullable(),
  features: z.array(z.string()),
  /** Coaching: angle differences at aligned frames (null with coachingError when impossible). */
  coaching: z
    .object({
      duration: z.object({ learner: z.number(), reference: z.number() }),
      angles: z.array(
        z.object({
          name: z.string(),
          meanDiff: z.number().nullable(),
          meanAbsDiff: z.number().nullable(),
          maxAbsDiff: z.number().nullable(),
          at: z.object({ learner: z.number().int(), reference: z.number().int() }),
          /** Float32 bytes: learner − reference per reference frame (NaN = gap). */
          diff: z.instanceof(Uint8Array),
        }),
      ),
      phases: z.array(
        z.object({
          index: z.number().int(),
          fromPct: z.number(),
          toPct: z.number(),
          reference: z.object({ start: z.number().int(), end: z.number().int() }),
          learner: z.object({ start: z.number().int(), end: z.number().int() }),
          worst: z.object({ name: z.string(), meanDiff: z.number() }).nullable(),
        }),
      ),
      findings: z.array(
        z.object({
          kind: z.enum(['angle', 'timing', 'duration']),
          text: z.string(),
          learnerFrame: z.number().int(),
          referenceFrame: z.number().int(),
        }),
      ),
    })
    .nullable(),
  coachingError: z.string().nullable(),
});
export type AlignResult = z.infer<typeof alignResultSchema>;

/** Every request the renderer may make: name → payload schema and result schema. */
export const requests = {
  'app.info': {
    input: empty,
    output: z.object({
      version: z.string(),
      /** Native file dialogs exist (Electron); otherwise the renderer shows its own browser. */
      nativeDialogs: z.boolean(),
      ffmpeg: z.object({ ffmpegPath: z.string(), ffprobePath: z.string(), version: z.string() }),
      homeDir: z.string(),
    }),
  },
  'project.current': { input: empty, output: projectSchema.nullable() },
  'project.open': { input: z.object({ path: filePath }).strict(), output: projectSchema },
  'project.create': {
    input: z.object({ path: filePath, name: z.string().trim().max(200).optional() }).strict(),
    output: projectSchema,
  },
  'dialog.pickVideos': { input: empty, output: z.array(z.string()) },
  'dialog.pickProject': {
    input: z.object({ mode: z.enum(['open', 'create']) }).strict(),
    output: z.string().nullable(),
  },
  'dialog.pickExportPath': {
    input: z.object({ suggestedName: z.string().max(255) }).strict(),
    output: z.string().nullable(),
  },
  'files.list': {
    input: z.object({ dir: filePath }).strict(),
    output: z.object({ dir: z.string(), parent: z.string().nullable(), entries: z.array(dirEntrySchema) }),
  },
  'videos.list': { input: empty, output: z.array(videoSchema) },
  'videos.import': {
    input: z.object({ paths: z.array(filePath).min(1, 'Choose at least one video').max(500) }).strict(),
    output: z.object({ jobIds: z.array(id) }),
  },
  'videos.remove': { input: z.object({ videoId: id }).strict(), output: z.object({ removed: z.boolean() }) },
  'videos.thumbnails': { input: z.object({ videoId: id }).strict(), output: z.array(thumbnailSchema) },
  'media.frame': {
    input: z
      .object({
        videoId: id,
        frame: frameIndex,
        /** Longest side of the returned image; the frame is never upscaled. */
        maxSize: z.number().int().min(16).max(8192).optional(),
        /** Decode from the original file even if a proxy exists (exact pixels). */
        exact: z.boolean().optional(),
      })
      .strict(),
    output: frameImageSchema,
  },
  'clips.list': { input: z.object({ videoId: id.optional() }).strict(), output: z.array(clipSchema) },
  'clips.create': {
    input: z
      .object({
        videoId: id,
        inFrame: frameIndex,
        outFrame: frameIndex,
        label: z.string().max(200).optional(),
        notes: z.string().max(10000).optional(),
      })
      .strict(),
    output: clipSchema,
  },
  'clips.update': {
    input: z
      .object({
        clipId: id,
        inFrame: frameIndex.optional(),
        outFrame: frameIndex.optional(),
        label: z.string().max(200).optional(),
        notes: z.string().max(10000).optional(),
      })
      .strict(),
    output: clipSchema,
  },
  'clips.delete': { input: z.object({ clipId: id }).strict(), output: z.object({ deleted: z.boolean() }) },
  'clips.export': {
    input: z.object({ clipId: id, outPath: filePath.optional(), mode: exportModeSchema.optional() }).strict(),
    output: z.object({ jobId: id, outPath: z.string() }),
  },
  'jobs.list': { input: empty, output: z.array(jobSchema) },
  'jobs.cancel': { input: z.object({ jobId: id }).strict(), output: z.object({ cancelled: z.boolean() }) },
  'jobs.clearFinished': { input: empty, output: z.object({ removed: z.number().int() }) },
  /** Every training point a job reported so far (loss curves), oldest first. */
  'jobs.metrics': {
    input: z.object({ jobId: id }).strict(),
    output: z.array(z.record(z.string(), z.number())),
  },
  'models.list': { input: empty, output: z.array(modelInfoSchema) },
  'poses.detect': {
    input: z
      .object({
        videoId: id,
        model: z.string().min(1).max(100),
        /** Half-open frame range [inFrame, outFrame); the whole video when absent. */
        inFrame: frameIndex.optional(),
        outFrame: frameIndex.optional(),
        /** 'single' follows one athlete; 'multi' finds every person and tracks each (default 'single'). */
        people: z.enum(['single', 'multi']).optional(),
      })
      .strict(),
    output: z.object({ jobId: id }),
  },
  'poses.smooth': {
    input: z
      .object({
        runId: id,
        filter: z.enum(['one-euro', 'butterworth', 'median']),
        /** One-Euro: min cutoff (Hz); Butterworth: cutoff (Hz); median: unused. */
        cutoffHz: z.number().positive().max(1000).optional(),
        /** One-Euro speed coefficient. */
        beta: z.number().min(0).max(100).optional(),
        /** Median window in frames (odd). */
        window: z.number().int().min(3).max(301).optional(),
      })
      .strict(),
    /** The new run, holding smoothed copies of every track; the source run is unchanged. */
    output: poseRunSchema,
  },
  'poses.runs': { input: z.object({ videoId: id }).strict(), output: z.array(poseRunSchema) },
  'poses.tracks': {
    input: z.object({ runId: id }).strict(),
    output: z.object({
      runId: id,
      skeletonId: z.string(),
      joints: z.array(z.string()),
      /** Pairs of joint indices to draw as bones. */
      links: z.array(z.tuple([z.number().int(), z.number().int()])),
      tracks: z.array(poseTrackDataSchema),
    }),
  },
  'poses.deleteRun': { input: z.object({ runId: id }).strict(), output: z.object({ deleted: z.boolean() }) },
  'kinematics.compute': { input: z.object(kinematicsInput).strict(), output: kinematicsResultSchema },
  'align.compute': { input: z.object(alignInput).strict(), output: alignResultSchema },
  /** A job writing the VPD crop directory of a track: crop, prev crop, optical flow, mask per frame. */
  'vpd.crops': {
    input: z
      .object({
        runId: id,
        trackId: z.number().int().min(0).optional(),
        inFrame: frameIndex.optional(),
        outFrame: frameIndex.optional(),
        /** Default: <project>.crops/<video> beside the project file. */
        outDir: filePath.optional(),
        /** Tennis: the front or back player's sub-folder. */
        view: z.enum(['front', 'back']).optional(),
        cropSize: z.number().int().min(16).max(1024).optional(),
      })
      .strict(),
    output: z.object({ jobId: id, outDir: z.string() }),
  },
  /** One frame of a written crop directory, for the crop inspector (PNG bytes). */
  'vpd.cropFrame': {
    input: z
      .object({ outDir: filePath, frame: frameIndex, view: z.enum(['front', 'back']).optional() })
      .strict(),
    output: z
      .object({
        frame: frameIndex,
        box: z.object({ x: z.number(), y: z.number(), size: z.number(), bridged: z.boolean() }).nullable(),
        crop: z.instanceof(Uint8Array),
        prev: z.instanceof(Uint8Array).nullable(),
        flow: z.instanceof(Uint8Array).nullable(),
        mask: z.instanceof(Uint8Array).nullable(),
        flowMedian: z.tuple([z.number(), z.number()]).nullable(),
        flowScalePx: z.number(),
      })
      .nullable(),
  },
  'vpd.cropFrames': {
    input: z.object({ outDir: filePath, view: z.enum(['front', 'back']).optional() }).strict(),
    output: z.array(frameIndex),
  },
  /** A self-contained HTML report: findings with key frames side by side, angle plots. */
  'align.report': {
    input: z.object({ ...alignInput, outPath: filePath.optional() }).strict(),
    output: z.object({ path: z.string() }),
  },
  /** A job rendering the aligned side-by-side MP4 (learner left, reference right, frame numbers). */
  'align.exportVideo': {
    input: z
      .object({
        ...alignInput,
        outPath: filePath.optional(),
        height: z.number().int().min(120).max(2160).optional(),
      })
      .strict(),
    output: z.object({ jobId: id, outPath: z.string() }),
  },
  'kinematics.export': {
    input: z
      .object({
        ...kinematicsInput,
        /** csv: one row per frame; json: series, summaries, gait; html: the printable report. */
        format: z.enum(['csv', 'json', 'html']),
        /** Where to write; default: beside the video, named after it and the track. */
        outPath: filePath.optional(),
      })
      .strict(),
    output: z.object({ path: z.string() }),
  },
  ...editRequests,
  ...tccRequests,
  ...studentRequests,
  ...embedRequests,
  ...cropInspectorRequests,
  ...actionRequests,
  ...liftRequests,
  ...lifterTrainingRequests,
} as const;

/** Every event main pushes to the renderer. */
export const events = {
  'job.updated': jobSchema,
  'project.changed': projectSchema.nullable(),
  'videos.changed': z.object({ videoId: id.optional() }),
  'clips.changed': z.object({ videoId: id }),
  'poses.changed': z.object({ videoId: id }),
  /** Embeddings or 3D joints of a video's tracks were stored or removed. */
  'series.changed': z.object({ videoId: id }),
  /** A model was trained, replaced or deleted in the project. */
  'models.changed': z.object({}),
  /** One point of a running job's training curve (see `jobs.metrics`). */
  'job.metrics': z.object({ jobId: id, point: z.record(z.string(), z.number()) }),
} as const;

export type RequestName = keyof typeof requests;
export type EventName = keyof typeof events;
export type RequestInput<K extends RequestName> = z.input<(typeof requests)[K]['input']>;
export type RequestOutput<K extends RequestName> = z.output<(typeof requests)[K]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

/** What `window.kinema` is, in Electron and in a browser alike. */
export interface KinemaApi {
  invoke<K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** File-system path of a dropped file where the host knows it (Electron); null in a browser. */
  pathForFile(file: File): string | null;
}

/** Formats a zod error as one sentence a user can read. */
export function describeValidationError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
