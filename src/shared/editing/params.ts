/**
 * The parameters of every edit action as zod schemas: one object per action, discriminated by
 * `action`, so the contract (`edits.apply`, `edits.preview`) validates each action's fields, and
 * the actions themselves parse what they are given when called directly.
 *
 * Frame ranges are half-open, [inFrame, outFrame), as everywhere in Kinema's API. Coordinates are
 * source-video pixels. Checks that need the data (the frame is in the track, the joint exists in
 * the run's skeleton, the tracks do not overlap) are made by the action itself.
 */
import { z } from 'zod';

const trackId = z.number().int().min(0).max(1_000_000);
const frame = z.number().int().min(0).max(100_000_000);
const joint = z.number().int().min(0).max(255);
const coordinate = z.number().finite();
const method = z.enum(['linear', 'smooth']);
const range = { trackId, inFrame: frame, outFrame: frame };

export const moveKeypointSchema = z
  .object({ action: z.literal('moveKeypoint'), trackId, frame, joint, x: coordinate, y: coordinate })
  .strict();

export const setVisibilitySchema = z
  .object({
    action: z.literal('setVisibility'),
    trackId,
    frame,
    /** Joints to change; every joint when absent. */
    joints: z.array(joint).min(1).max(256).optional(),
    /** visible: shown (score 1 if it was 0); occluded: hidden behind something, position estimated; invisible: absent (score 0). */
    visibility: z.enum(['visible', 'occluded', 'invisible']),
  })
  .strict();

export const deletePersonSchema = z.object({ action: z.literal('deletePerson'), trackId, frame }).strict();

export const addPersonSchema = z
  .object({
    action: z.literal('addPerson'),
    /** An existing track, or a new id. */
    trackId,
    frame,
    /** x, y, w, h of the person's box. */
    box: z.tuple([coordinate, coordinate, z.number().finite().positive(), z.number().finite().positive()]),
    /** K × 3 (x, y, score), as the pose model found them in the box. */
    keypoints: z
      .array(z.number().finite())
      .min(3)
      .max(256 * 3),
    /** The pose's score; the keypoints' mean score when absent. */
    score: z.number().min(0).max(1).optional(),
  })
  .strict();

export const setKeyframeSchema = z
  .object({ action: z.literal('setKeyframe'), trackId, frame, keyframe: z.boolean() })
  .strict();

export const interpolateSchema = z
  .object({ action: z.literal('interpolate'), ...range, method: method.default('linear') })
  .strict();

export const fillGapSchema = z
  .object({
    action: z.literal('fillGap'),
    trackId,
    /** Any frame of the gap. */
    frame,
    method: method.default('linear'),
  })
  .strict();

export const swapLeftRightSchema = z.object({ action: z.literal('swapLeftRight'), ...range }).strict();

export const splitTrackSchema = z
  .object({
    action: z.literal('splitTrack'),
    trackId,
    /** The first frame of the new track. */
    frame,
    /** Id of the new track; the run's highest id + 1 when absent. */
    newTrackId: trackId.optional(),
  })
  .strict();

export const mergeTracksSchema = z
  .object({
    action: z.literal('mergeTracks'),
    /** The track that stays. */
    trackId,
    /** The track whose frames fill `trackId`'s; it is removed. */
    otherTrackId: trackId,
    /** Frames both tracks have: 'refuse' (default) stops; 'keep-first' keeps `trackId`'s. */
    overlap: z.enum(['refuse', 'keep-first']).default('refuse'),
  })
  .strict();

export const reassignRangeSchema = z
  .object({
    action: z.literal('reassignRange'),
    ...range,
    /** Existing or new track id. */
    toTrackId: trackId,
    /** When `toTrackId` has frames in the range: 'refuse' (default), or 'swap' the two tracks' frames there (an identity switch). */
    conflict: z.enum(['refuse', 'swap']).default('refuse'),
  })
  .strict();

export const deleteRangeSchema = z.object({ action: z.literal('deleteRange'), ...range }).strict();

export const filterRangeSchema = z
  .object({
    action: z.literal('filterRange'),
    ...range,
    filter: z.enum(['one-euro', 'butterworth', 'median']),
    /** One-Euro: min cutoff (Hz); Butterworth: cutoff (Hz). */
    cutoffHz: z.number().positive().max(1000).optional(),
    /** One-Euro speed coefficient (defined for a 1000 px high frame). */
    beta: z.number().min(0).max(100).optional(),
    /** Median window in frames (odd). */
    window: z.number().int().min(3).max(301).optional(),
    /** Leave keypoints a person placed as they are (default true). */
    keepHuman: z.boolean().default(true),
  })
  .strict();

export const revertToModelSchema = z
  .object({
    action: z.literal('revertToModel'),
    ...range,
    /** Joints to revert; every joint when absent. */
    joints: z.array(joint).min(1).max(256).optional(),
  })
  .strict();

/** One pose written by a model-assisted fix. */
export const poseInputSchema = z
  .object({
    frame,
    keypoints: z
      .array(z.number().finite())
      .min(3)
      .max(256 * 3),
    box: z.tuple([coordinate, coordinate, z.number().finite().min(0), z.number().finite().min(0)]),
    score: z.number().min(0).max(1),
  })
  .strict();

/** Internal (not offered to `edits.apply`): the result of a model re-run, recorded as one edit. */
export const setPosesSchema = z
  .object({
    action: z.literal('setPoses'),
    ...range,
    poses: z.array(poseInputSchema).max(2000),
    /** What the history shows, e.g. "Re-run movenet-lightning from a box". */
    note: z.string().max(200).optional(),
  })
  .strict();

/** Every action the editor offers, as `edits.apply` accepts it. */
export const editSpecSchema = z.discriminatedUnion('action', [
  moveKeypointSchema,
  setVisibilitySchema,
  deletePersonSchema,
  addPersonSchema,
  setKeyframeSchema,
  interpolateSchema,
  fillGapSchema,
  swapLeftRightSchema,
  splitTrackSchema,
  mergeTracksSchema,
  reassignRangeSchema,
  deleteRangeSchema,
  filterRangeSchema,
  revertToModelSchema,
]);

/** What an edit request carries (defaults may be absent). */
export type EditSpecInput = z.input<typeof editSpecSchema>;
/** An edit after validation (defaults filled in). */
export type EditSpec = z.output<typeof editSpecSchema>;
export type SetPosesSpec = z.output<typeof setPosesSchema>;
export type AnyEditSpec = EditSpec | SetPosesSpec;
export type EditActionName = AnyEditSpec['action'];
export type SpecOf<N extends EditActionName> = Extract<AnyEditSpec, { action: N }>;
