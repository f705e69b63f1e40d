/**
 * Few-shot action tools (issue 8), spread into `requests` in contract.ts: recognition (labelled
 * clips classify the unlabelled ones by k-NN over DTW distances or a linear classifier over
 * pooled clip features; leave-one-out accuracy and confusion matrix over the labelled ones), retrieval (a clip or frame range → ranked similar
 * moments across the project's videos) and detection (occurrences of a labelled action, with
 * precision and recall against the clips that carry the label).
 *
 * Features: the training-free pose features (bones, angles, keypoints) always work; `embedding`
 * names a stored per-frame series instead (e.g. 'vipe', 'tcc:<model>', 'student:<model>'), and
 * when a clip or video lacks it every side falls back to the pose features, with a note saying so.
 */
import { z } from 'zod';

const id = z.number().int().positive();
const frameIndex = z.number().int().min(0);

export const ACTION_FEATURE_KINDS = ['keypoints', 'bones', 'angles'] as const;
/**
 * How recognition labels a clip: k-NN over DTW distances to the labelled clips, or a linear
 * (softmax) classifier over each clip's pooled features (src/shared/actions/classifier.ts).
 */
export const RECOGNITION_METHODS = ['knn-dtw', 'linear'] as const;
export type RecognitionMethod = (typeof RECOGNITION_METHODS)[number];
/** Relative cost at or below which a match is an occurrence (detection's default). */
export const DEFAULT_DETECT_THRESHOLD = 0.3;
/** A detection is a true positive at this temporal IoU with a labelled occurrence. */
export const DETECT_IOU = 0.5;

const featureInput = {
  /** Training-free pose features (default bones + angles). */
  features: z.array(z.enum(ACTION_FEATURE_KINDS)).min(1).optional(),
  /** A stored embedding series' source instead, e.g. 'vipe' or 'tcc:walk'. */
  embedding: z
    .string()
    .trim()
    .regex(/^[\w.:-]{1,100}$/, 'An embedding is named by its series source, e.g. vipe or tcc:walk')
    .optional(),
};

const featureOutput = {
  /** What was compared, e.g. 'bones,angles' or 'vipe'. */
  features: z.string(),
  /** Fallbacks and skipped clips, in words. */
  notes: z.array(z.string()),
};

const clipRef = {
  clipId: id,
  videoId: id,
  fileName: z.string(),
  /** The clip's label, or "Clip N". */
  name: z.string(),
  inFrame: frameIndex,
  outFrame: frameIndex,
};

export const actionPredictionSchema = z.object({
  ...clipRef,
  truth: z.string().nullable(),
  predicted: z.string(),
  /** k-NN: distance to the nearest labelled clip of the predicted action (null for linear). */
  distance: z.number().nullable(),
  /** k-NN: votes of the predicted action among the k nearest (null for linear). */
  votes: z.number().int().nullable(),
  /** k-NN: the k nearest labelled clips (empty for linear). */
  neighbours: z.array(z.object({ clipId: id, label: z.string(), distance: z.number() })),
  /** Linear: the predicted action's probability (null for k-NN). */
  confidence: z.number().nullable(),
  /** Linear: every action's probability, most likely first (empty for k-NN). */
  probabilities: z.array(z.object({ label: z.string(), probability: z.number() })),
});
export type ActionPrediction = z.infer<typeof actionPredictionSchema>;

export const actionMomentSchema = z.object({
  videoId: id,
  fileName: z.string(),
  inFrame: frameIndex,
  outFrame: frameIndex,
  /** Relative cost: 0 = the same motion, about 1 = unrelated. */
  cost: z.number(),
  /** Clips overlapping the moment. */
  clips: z.array(z.object({ clipId: id, name: z.string() })),
});
export type ActionMoment = z.infer<typeof actionMomentSchema>;

export const actionRequests = {
  'actions.recognize': {
    input: z
      .object({
        ...featureInput,
        /** k-NN over DTW distances (default) or the linear classifier. */
        method: z.enum(RECOGNITION_METHODS).optional(),
        /** Neighbours that vote (default 1; k-NN only). */
        k: z.number().int().min(1).max(50).optional(),
      })
      .strict(),
    output: z.object({
      ...featureOutput,
      method: z.enum(RECOGNITION_METHODS),
      /** k-NN's k (null for linear). */
      k: z.number().int().nullable(),
      /** The unlabelled clips with the label they are given. */
      predictions: z.array(actionPredictionSchema),
      /** Leave-one-out over the labelled clips (null with fewer than two). */
      evaluation: z
        .object({
          predictions: z.array(actionPredictionSchema),
          accuracy: z.number(),
          labels: z.array(z.string()),
          /** counts[truth][predicted], rows and columns in `labels` order. */
          counts: z.array(z.array(z.number().int())),
          perLabel: z.array(
            z.object({
              label: z.string(),
              precision: z.number(),
              recall: z.number(),
              count: z.number().int(),
            }),
          ),
        })
        .nullable(),
    }),
  },
  'actions.retrieve': {
    input: z
      .object({
        ...featureInput,
        /** The query: a clip, or a frame range [inFrame, outFrame) of a video. */
        clipId: id.optional(),
        videoId: id.optional(),
        inFrame: frameIndex.optional(),
        outFrame: frameIndex.optional(),
        top: z.number().int().min(1).max(100).optional(),
      })
      .strict(),
    output: z.object({
      ...featureOutput,
      query: z.object({ videoId: id, inFrame: frameIndex, outFrame: frameIndex, clipId: id.nullable() }),
      results: z.array(actionMomentSchema),
    }),
  },
  'actions.detect': {
    input: z
      .object({
        ...featureInput,
        label: z.string().trim().min(1, 'Name the action (a clip label) to detect'),
        /** Search this video only (default: every video with poses). */
        videoId: id.optional(),
        /** Largest relative cost of an occurrence (default 0.3). */
        threshold: z.number().positive().max(10).optional(),
      })
      .strict(),
    output: z.object({
      ...featureOutput,
      label: z.string(),
      threshold: z.number(),
      /** The IoU a detection needs with a labelled occurrence to count as found. */
      iou: z.number(),
      templates: z.array(z.object(clipRef)),
      videos: z.array(z.object({ videoId: id, fileName: z.string() })),
      occurrences: z.array(actionMomentSchema.extend({ templateClipId: id, matchedClipId: id.nullable() })),
      /** The labelled occurrences in the searched videos and whether a detection found each. */
      truths: z.array(z.object({ ...clipRef, found: z.boolean() })),
      precision: z.number(),
      recall: z.number(),
      f1: z.number(),
    }),
  },
} as const;
