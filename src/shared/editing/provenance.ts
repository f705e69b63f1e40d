/**
 * Per-keypoint provenance codes and per-frame flags of an edit run.
 *
 * Each keypoint of each frame has one byte: the low three bits say where its value comes from,
 * bit 3 says a person marked it occluded (hidden behind something; x, y are an estimate). Each
 * frame has one byte of flags: bit 0 marks a keyframe (a frame a person fixed, which
 * interpolation runs between). Stored per chunk as Uint8 BLOBs (NULL when all zero); the
 * `edits.provenance` request returns them as bytes, decoded with these helpers.
 */

/** Where a keypoint's value comes from (the low 3 bits of its provenance byte). */
export const PROVENANCE = {
  /** As the source run gave it: the pose model, or the imported file. */
  model: 0,
  /** Placed or changed by a person (moved, visibility set, left/right swapped). */
  human: 1,
  /** Computed between keyframes, or across a gap. */
  interpolated: 2,
  /** Moved by a smoothing filter applied as an edit. */
  filtered: 3,
  /** Produced by the pose model re-run from a person's box or corrected keypoints. */
  'seeded-by-model': 4,
} as const;

export type ProvenanceName = keyof typeof PROVENANCE;
export type ProvenanceCode = (typeof PROVENANCE)[ProvenanceName];

/** Names by code (index = code). */
export const PROVENANCE_NAMES: readonly ProvenanceName[] = [
  'model',
  'human',
  'interpolated',
  'filtered',
  'seeded-by-model',
];

/** Mask of the provenance code in a keypoint's byte. */
export const PROVENANCE_MASK = 0x07;
/** Bit of a keypoint's byte: a person marked the point occluded. */
export const OCCLUDED = 0x08;
/** Bit of a frame's flags: the frame is a keyframe. */
export const KEYFRAME = 0x01;

/** The provenance of a keypoint from its byte. */
export function provenanceName(byte: number): ProvenanceName {
  return PROVENANCE_NAMES[byte & PROVENANCE_MASK] ?? 'model';
}

/** Whether a keypoint's byte marks it occluded. */
export function isOccluded(byte: number): boolean {
  return (byte & OCCLUDED) !== 0;
}

/** Whether a keypoint's value is still the source run's. */
export function isFromModel(byte: number): boolean {
  return (byte & PROVENANCE_MASK) === PROVENANCE.model;
}
