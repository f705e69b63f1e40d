/**
 * The pose-editing part of the contract (issue 4, the track correction editor): request name →
 * zod schema of the payload and of the result, spread into `requests` in contract.ts. Kept in its
 * own file because the editor's requests are many and change together.
 *
 * The editor works on an edit run: an editable copy of a run (`edits.open`), whose source run is
 * never changed. Every change is an action (`edits.actions` lists them with a suggested key),
 * applied by `edits.apply` and recorded as one undoable step; `edits.undo` / `edits.redo` walk the
 * history, which lives in the project file and so survives a restart. Frame ranges are half-open,
 * [inFrame, outFrame). Byte fields are little-endian typed-array bytes, like `poses.tracks`.
 */
import { z } from 'zod';
import { editSpecSchema } from './editing/params';

const id = z.number().int().positive();
const trackId = z.number().int().min(0).max(1_000_000);
const frameIndex = z.number().int().nonnegative();
const filePath = z.string().trim().min(1, 'A file path is required').max(4096);
const box = z.tuple([
  z.number().finite(),
  z.number().finite(),
  z.number().finite().positive(),
  z.number().finite().positive(),
]);
const modelId = z.string().min(1).max(100);

export const editHistoryEntrySchema = z.object({
  id,
  /** The action's name (e.g. 'moveKeypoint'). */
  action: z.string(),
  /** What the history shows, e.g. "Move left knee (track 0, frame 120)". */
  summary: z.string(),
  createdAt: z.string(),
  undone: z.boolean(),
});
export type EditHistoryEntry = z.infer<typeof editHistoryEntrySchema>;

const historyState = {
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  /** Summary of the edit undo would revert / redo would make again, for menus. */
  undoSummary: z.string().nullable(),
  redoSummary: z.string().nullable(),
};

/** What an edit, undo or redo did. */
export const editOutcomeSchema = z.object({
  runId: id,
  videoId: id,
  /** The history entry made, undone or redone; null when the edit changed nothing (no entry). */
  entry: editHistoryEntrySchema.nullable(),
  /** The frames that changed, per track, to redraw. */
  changed: z.array(
    z.object({ trackId: z.number().int(), inFrame: z.number().int(), outFrame: z.number().int() }),
  ),
  ...historyState,
});
export type EditOutcome = z.infer<typeof editOutcomeSchema>;

export const editRunSchema = z.object({
  id,
  videoId: id,
  skeletonId: z.string(),
  source: z.literal('edit'),
  /** The model (or format) of the run it was copied from. */
  model: z.string(),
  params: z.unknown(),
  /** The run it was copied from (kept unchanged); null if that run was deleted since. */
  sourceRunId: id.nullable(),
  createdAt: z.string(),
  tracks: z.array(
    z.object({
      trackId: z.number().int(),
      label: z.string(),
      firstFrame: z.number().int(),
      lastFrame: z.number().int(),
      frameCount: z.number().int(),
    }),
  ),
});
export type EditRunInfo = z.infer<typeof editRunSchema>;

export const problemSchema = z.object({
  trackId: z.number().int(),
  kind: z.enum(['low-confidence', 'gap', 'jump', 'swap']),
  inFrame: z.number().int(),
  outFrame: z.number().int(),
  reason: z.string(),
});

/** A track's frames as bytes, with provenance: what `edits.preview` returns per changed range. */
const segmentBytesSchema = z.object({
  trackId: z.number().int(),
  inFrame: z.number().int(),
  outFrame: z.number().int(),
  /** Int32 frame indices. */
  frames: z.instanceof(Uint8Array),
  /** Float32 frames × K × 3. */
  keypoints: z.instanceof(Uint8Array),
  /** Float32 frames × 4. */
  boxes: z.instanceof(Uint8Array),
  /** Float32 per frame. */
  scores: z.instanceof(Uint8Array),
  /** Uint8 frames × K provenance codes (shared/editing/provenance.ts). */
  provenance: z.instanceof(Uint8Array),
  /** Uint8 per frame flags (bit 0 keyframe). */
  flags: z.instanceof(Uint8Array),
});

export const assistInputSchema = z.discriminatedUnion('mode', [
  z
    .object({
      /** Add a missing person: the model finds the keypoints inside the box drawn at `frame`. */
      mode: z.literal('addPerson'),
      runId: id,
      trackId,
      frame: frameIndex,
      box,
      model: modelId.optional(),
    })
    .strict(),
  z
    .object({
      /**
       * Re-run the model over [inFrame, outFrame) (≤ 300 frames), starting from `box` at inFrame,
       * or, without a box, from the track's corrected pose at inFrame. Keyframes are kept and
       * re-seed the crop; frames where the model finds no one keep their pose.
       */
      mode: z.literal('rerun'),
      runId: id,
      trackId,
      inFrame: frameIndex,
      outFrame: frameIndex,
      box: box.optional(),
      model: modelId.optional(),
    })
    .strict(),
  z
    .object({
      /**
       * Propagate the (corrected) pose at `frame` forward: the model follows the person frame by
       * frame from it until its mean keypoint score drops below `minScore` (default 0.3), the
       * next keyframe, `maxFrames` (default and at most 300) or the end of the video.
       */
      mode: z.literal('propagate'),
      runId: id,
      trackId,
      frame: frameIndex,
      maxFrames: z.number().int().min(1).max(300).optional(),
      minScore: z.number().min(0).max(1).optional(),
      model: modelId.optional(),
    })
    .strict(),
]);
export type AssistInput = z.infer<typeof assistInputSchema>;

export const editRequests = {
  /** The actions the editor offers (name, label, description, suggested key), provenance names and other keys. */
  'edits.actions': {
    input: z.object({}).strict(),
    output: z.object({
      actions: z.array(
        z.object({
          name: z.string(),
          label: z.string(),
          description: z.string(),
          shortcut: z.string().nullable(),
        }),
      ),
      /** Provenance names by code (index = code). */
      provenance: z.array(z.string()),
      /** Suggested keys for undo, redo, next/previous problem and keyframe. */
      keys: z.record(z.string(), z.string()),
    }),
  },
  /**
   * The edit run of a run: the run itself if it is one; else the newest edit run made from it, or
   * (none yet, or `fresh`) a new copy with every keypoint's provenance 'model'.
   */
  'edits.open': {
    input: z.object({ runId: id, fresh: z.boolean().optional() }).strict(),
    output: z.object({ run: editRunSchema, created: z.boolean(), ...historyState }),
  },
  /** Applies one action as one undoable edit (discards the redo entries). */
  'edits.apply': {
    input: z.object({ runId: id, edit: editSpecSchema }).strict(),
    output: editOutcomeSchema,
  },
  /** What an action would make of the frames it touches, without changing anything (filter preview). */
  'edits.preview': {
    input: z.object({ runId: id, edit: editSpecSchema }).strict(),
    output: z.object({ runId: id, summary: z.string(), tracks: z.array(segmentBytesSchema) }),
  },
  'edits.undo': { input: z.object({ runId: id }).strict(), output: editOutcomeSchema },
  'edits.redo': { input: z.object({ runId: id }).strict(), output: editOutcomeSchema },
  /** The run's edits, oldest first (undone ones are the redo stack). */
  'edits.history': {
    input: z.object({ runId: id }).strict(),
    output: z.object({ runId: id, entries: z.array(editHistoryEntrySchema), ...historyState }),
  },
  /** Low-confidence stretches, gaps, jumps and left/right swap suspects, sorted by frame. */
  'edits.problems': {
    input: z
      .object({
        runId: id,
        trackId: trackId.optional(),
        minScore: z.number().min(0).max(1).optional(),
        jumpFactor: z.number().positive().max(100).optional(),
        kinds: z
          .array(z.enum(['low-confidence', 'gap', 'jump', 'swap']))
          .min(1)
          .optional(),
      })
      .strict(),
    output: z.array(problemSchema),
  },
  /** Per frame and keypoint provenance codes of a track, and its keyframe flags, as bytes. */
  'edits.provenance': {
    input: z
      .object({ runId: id, trackId, inFrame: frameIndex.optional(), outFrame: frameIndex.optional() })
      .strict(),
    output: z.object({
      trackId: z.number().int(),
      jointCount: z.number().int(),
      /** Int32 frame indices. */
      frames: z.instanceof(Uint8Array),
      /** Uint8 frames × K: low 3 bits the provenance code, bit 3 occluded. */
      provenance: z.instanceof(Uint8Array),
      /** Uint8 per frame: bit 0 keyframe. */
      flags: z.instanceof(Uint8Array),
      /** Frames with a keyframe, for the timeline. */
      keyframes: z.array(z.number().int()),
    }),
  },
  /** Model-assisted fixes (MoveNet), recorded as one undoable edit with provenance 'seeded-by-model'. */
  'edits.assist': { input: assistInputSchema, output: editOutcomeSchema },
  /** Writes the edit run's poses with or without the corrections (model values back). */
  'edits.exportPoses': {
    input: z
      .object({
        runId: id,
        format: z.enum(['vpd', 'alphapose', 'coco', 'openpose', 'vp3d', 'csv']),
        corrections: z.enum(['include', 'exclude']),
        /** Default: beside the video, named after it (with _edited or _model). */
        outPath: filePath.optional(),
      })
      .strict(),
    output: z.object({ path: z.string() }),
  },
} as const;
