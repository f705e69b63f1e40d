/**
 * The edit actions of the pose track correction editor, each registered with a name, a label, a
 * description, a suggested key and `apply(source, params) → { changes, inverse, summary }`.
 *
 * An action reads only the frames it needs from an EditSource and returns patches: for each
 * track it changes, a frame range and that range's frames before and after. Applying `changes`
 * makes the edit, applying `inverse` undoes it exactly; nothing else is stored in the history.
 * Every action checks its parameters against the data and refuses with a KinemaError('BAD_EDIT')
 * that says what is wrong (a frame the track does not have, a joint the skeleton does not have,
 * tracks that overlap…); a refused action changes nothing.
 *
 * Provenance (provenance.ts): a keypoint a person changes becomes 'human', an interpolated one
 * 'interpolated', a filtered one 'filtered', one the model produced from a person's box or seed
 * 'seeded-by-model'; the first time a model keypoint changes, its model value is kept in
 * `originals`, so exports can leave corrections out. Frames a person edits become keyframes.
 */
import type { z } from 'zod';
import { KinemaError } from '../errors';
import { meanKeypointScore } from '../pose';
import { getSkeleton } from '../skeletons';
import { smoothParams, smoothTrack } from '../tracking/smooth-set';
import { catmullRomTangents, interpolateAt, lerp, type InterpolationMethod } from './interpolate';
import {
  addPersonSchema,
  deletePersonSchema,
  deleteRangeSchema,
  fillGapSchema,
  filterRangeSchema,
  interpolateSchema,
  mergeTracksSchema,
  moveKeypointSchema,
  reassignRangeSchema,
  revertToModelSchema,
  setKeyframeSchema,
  setPosesSchema,
  setVisibilitySchema,
  splitTrackSchema,
  swapLeftRightSchema,
  type EditActionName,
  type SpecOf,
} from './params';
import { KEYFRAME, OCCLUDED, PROVENANCE, PROVENANCE_MASK } from './provenance';
import { requireTrack, type EditSource } from './source';
import {
  cloneSegment,
  concatSegments,
  copyFrames,
  emptySegment,
  filterSegment,
  invertPatches,
  mergeSegments,
  positionOf,
  segmentsEqual,
  segmentToTrack,
  sliceSegment,
  type Segment,
  type TrackPatch,
} from './segment';

export interface EditResult {
  /** Patches that make the edit, in order. Empty when the edit changes nothing. */
  changes: TrackPatch[];
  /** Patches that undo it. */
  inverse: TrackPatch[];
  /** What the history shows, e.g. "Move left knee (track 0, frame 120)". */
  summary: string;
}

export interface EditAction<N extends EditActionName = EditActionName> {
  name: N;
  /** Short name for menus and the history. */
  label: string;
  /** One sentence for the help. */
  description: string;
  /** A key the UI may bind it to (null: reached another way, e.g. by dragging). */
  shortcut: string | null;
  /** Internal actions are recorded by the main process (model-assisted fixes), not offered to the UI. */
  internal?: boolean;
  schema: z.ZodType<SpecOf<N>>;
  apply(source: EditSource, params: SpecOf<N>): EditResult;
}

/** What the UI lists about an action. */
export interface ActionInfo {
  name: EditActionName;
  label: string;
  description: string;
  shortcut: string | null;
}

/** Keys suggested for the editor's commands that are not edits. */
export const EDITOR_KEYS = {
  undo: 'Ctrl+Z',
  redo: 'Ctrl+Shift+Z',
  nextProblem: 'N',
  previousProblem: 'Shift+N',
  nextKeyframe: ']',
  previousKeyframe: '[',
} as const;

const registry = new Map<string, EditAction>();

export function registerAction<N extends EditActionName>(action: EditAction<N>): void {
  if (registry.has(action.name)) throw new Error(`Edit action ${action.name} is registered twice`);
  registry.set(action.name, action as unknown as EditAction);
}

/** The registered action with this name, or a KinemaError listing them. */
export function getAction(name: string): EditAction {
  const action = registry.get(name);
  if (!action)
    throw new KinemaError(
      'BAD_EDIT',
      `Unknown edit action "${name}". Known: ${[...registry.keys()].join(', ')}.`,
    );
  return action;
}

/** The actions offered to the UI, in registration order. */
export function listActions(): ActionInfo[] {
  return [...registry.values()]
    .filter((a) => !a.internal)
    .map(({ name, label, description, shortcut }) => ({ name, label, description, shortcut }));
}

/** Validates `spec` with its action's schema and applies the action (nothing is written). */
export function runEdit(source: EditSource, spec: { action: string } & Record<string, unknown>): EditResult {
  const action = getAction(spec.action);
  const parsed = action.schema.safeParse(spec);
  if (!parsed.success)
    throw new KinemaError(
      'BAD_EDIT',
      `${action.label}: ${parsed.error.issues
        .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
        .join('; ')}`,
    );
  return action.apply(source, parsed.data);
}

// ---------------------------------------------------------------------------------------------
// Checks and helpers

function refuse(message: string): never {
  throw new KinemaError('BAD_EDIT', message);
}

function jointName(source: EditSource, j: number): string {
  return getSkeleton(source.skeletonId).joints[j].replace(/_/g, ' ');
}

function requireJoint(source: EditSource, j: number): void {
  if (!Number.isInteger(j) || j < 0 || j >= source.jointCount)
    refuse(`Joint ${j} is out of range: ${source.skeletonId} has joints 0 to ${source.jointCount - 1}.`);
}

function requireInVideo(source: EditSource, frame: number): void {
  const n = source.video.frameCount;
  if (n !== undefined && n > 0 && frame >= n)
    refuse(`Frame ${frame} is outside the video, which has frames 0 to ${n - 1}.`);
}

function requireRange(source: EditSource, inFrame: number, outFrame: number): void {
  if (!(outFrame > inFrame))
    refuse(`The frame range is empty: out (${outFrame}) must be after in (${inFrame}).`);
  const n = source.video.frameCount;
  if (n !== undefined && n > 0 && outFrame > n)
    refuse(`Frames ${inFrame}–${outFrame - 1} are outside the video, which has frames 0 to ${n - 1}.`);
}

function requireCoordinates(source: EditSource, x: number, y: number): void {
  const { width, height } = source.video;
  if (width > 0 && height > 0 && (x < -width || x > 2 * width || y < -height || y > 2 * height))
    refuse(`(${x}, ${y}) is far outside the ${width}×${height} frame.`);
}

/** The one frame of a track, or a refusal naming the track's frames. */
function requireFrame(source: EditSource, trackId: number, frame: number): Segment {
  const extent = requireTrack(source, trackId);
  const seg = source.read(trackId, frame, frame + 1);
  if (!seg.frames.length)
    refuse(
      frame < extent.firstFrame || frame > extent.lastFrame
        ? `Track ${trackId} has no pose at frame ${frame}: it spans frames ${extent.firstFrame}–${extent.lastFrame}.`
        : `Track ${trackId} has no pose at frame ${frame} (a gap in the track).`,
    );
  return seg;
}

function requireFramesIn(source: EditSource, trackId: number, inFrame: number, outFrame: number): Segment {
  requireTrack(source, trackId);
  requireRange(source, inFrame, outFrame);
  const seg = source.read(trackId, inFrame, outFrame);
  if (!seg.frames.length) refuse(`Track ${trackId} has no poses in frames ${inFrame}–${outFrame - 1}.`);
  return seg;
}

function patch(
  source: EditSource,
  trackId: number,
  start: number,
  end: number,
  before: Segment,
  after: Segment,
  label = source.label(trackId),
): TrackPatch {
  return { trackId, start, end, label, before, after };
}

/** The edit's patches without those that change nothing, and their inverse. */
function result(patches: TrackPatch[], summary: string): EditResult {
  const changes = patches.filter((p) => !segmentsEqual(p.before, p.after));
  return { changes, inverse: invertPatches(changes), summary };
}

/**
 * Sets keypoint j of position i. The first change of a model keypoint keeps its model value in
 * `originals`. `occluded` undefined keeps the occluded bit.
 */
function setKeypoint(
  s: Segment,
  i: number,
  j: number,
  k: number,
  x: number,
  y: number,
  score: number,
  code: number,
  occluded?: boolean,
): void {
  const p = i * k + j;
  const o = p * 3;
  const old = s.provenance[p];
  if ((old & PROVENANCE_MASK) === PROVENANCE.model) {
    s.originals[o] = s.keypoints[o];
    s.originals[o + 1] = s.keypoints[o + 1];
    s.originals[o + 2] = s.keypoints[o + 2];
  }
  s.keypoints[o] = x;
  s.keypoints[o + 1] = y;
  s.keypoints[o + 2] = score;
  const occ = occluded === undefined ? old & OCCLUDED : occluded ? OCCLUDED : 0;
  s.provenance[p] = occ | code;
}

function checkKeypointArray(source: EditSource, keypoints: readonly number[], what: string): void {
  const k = source.jointCount;
  if (keypoints.length !== k * 3)
    refuse(
      `${what} needs ${k} keypoints (${k * 3} numbers: x, y, score each) for ${source.skeletonId}; got ${keypoints.length} numbers.`,
    );
  for (let j = 0; j < k; j++) {
    const s = keypoints[j * 3 + 2];
    if (!(s >= 0 && s <= 1)) refuse(`${what}: the score of keypoint ${j} must be between 0 and 1, got ${s}.`);
  }
}

/** A one-frame segment holding a pose the model produced (every keypoint 'seeded-by-model'). */
function seededRow(
  k: number,
  frame: number,
  keypoints: readonly number[],
  box: readonly number[],
  score: number,
  flags: number,
): Segment {
  const s = emptySegment(1, k);
  s.frames[0] = frame;
  s.keypoints.set(keypoints);
  s.boxes.set(box);
  s.scores[0] = score;
  s.provenance.fill(PROVENANCE['seeded-by-model']);
  s.flags[0] = flags;
  return s;
}

/** The stored frame nearest before (-1) or after (+1) `frame`, searching in growing windows. */
function neighbourFrame(
  source: EditSource,
  trackId: number,
  frame: number,
  direction: -1 | 1,
): number | null {
  const extent = source.extent(trackId);
  if (!extent) return null;
  if (direction < 0 ? frame <= extent.firstFrame : frame >= extent.lastFrame) return null;
  for (let w = 64; ; w *= 4) {
    const seg =
      direction < 0 ? source.read(trackId, frame - w, frame) : source.read(trackId, frame + 1, frame + 1 + w);
    if (seg.frames.length) return direction < 0 ? seg.frames[seg.frames.length - 1] : seg.frames[0];
    if (direction < 0 ? frame - w <= extent.firstFrame : frame + w >= extent.lastFrame) return null;
  }
}

/** A knot of an interpolation: a stored frame's pose. */
interface Knot {
  frame: number;
  row: Segment;
}

function knotOf(source: EditSource, trackId: number, frame: number | null): Knot | null {
  if (frame === null) return null;
  const row = source.read(trackId, frame, frame + 1);
  return row.frames.length ? { frame, row } : null;
}

/**
 * Per joint, the curve through the knots where the joint is present (score > 0), evaluated at
 * frames between two consecutive knots. Returns [x, y, score] for joint j at frame f between
 * knots a and b (score 0 when the joint is absent at either).
 */
class KnotCurves {
  private readonly ts: number[][] = [];
  private readonly xs: number[][] = [];
  private readonly ys: number[][] = [];
  private readonly mx: number[][] = [];
  private readonly my: number[][] = [];

  constructor(
    knots: readonly Knot[],
    private readonly k: number,
    private readonly method: InterpolationMethod,
  ) {
    for (let j = 0; j < k; j++) {
      const ts: number[] = [];
      const xs: number[] = [];
      const ys: number[] = [];
      for (const kn of knots) {
        if (!(kn.row.keypoints[j * 3 + 2] > 0)) continue;
        ts.push(kn.frame);
        xs.push(kn.row.keypoints[j * 3]);
        ys.push(kn.row.keypoints[j * 3 + 1]);
      }
      this.ts.push(ts);
      this.xs.push(xs);
      this.ys.push(ys);
      this.mx.push(catmullRomTangents(ts, xs));
      this.my.push(catmullRomTangents(ts, ys));
    }
  }

  /** Writes the interpolated keypoints of frame f (between knots a and b) into out (K × 3). */
  keypoints(a: Knot, b: Knot, f: number, out: Float32Array): void {
    for (let j = 0; j < this.k; j++) {
      const ka = a.row.keypoints.subarray(j * 3, j * 3 + 3);
      const kb = b.row.keypoints.subarray(j * 3, j * 3 + 3);
      const present = ka[2] > 0 && kb[2] > 0;
      if (present) {
        out[j * 3] = interpolateAt(this.ts[j], this.xs[j], f, this.method, this.mx[j]);
        out[j * 3 + 1] = interpolateAt(this.ts[j], this.ys[j], f, this.method, this.my[j]);
        out[j * 3 + 2] = lerp(a.frame, ka[2], b.frame, kb[2], f);
      } else {
        out[j * 3] = lerp(a.frame, ka[0], b.frame, kb[0], f);
        out[j * 3 + 1] = lerp(a.frame, ka[1], b.frame, kb[1], f);
        out[j * 3 + 2] = 0;
      }
    }
  }
}

/**
 * Frames strictly between consecutive knots of `inner`, interpolated: existing frames (in
 * `existing`, a segment covering them) get interpolated keypoints and keep their box, score and
 * flags; missing frames are created with the box and score interpolated too.
 */
function interpolateBetween(
  existing: Segment,
  inner: readonly Knot[],
  curves: KnotCurves,
  k: number,
): Segment {
  let capacity = existing.frames.length;
  for (let q = 0; q + 1 < inner.length; q++) capacity += inner[q + 1].frame - inner[q].frame - 1;
  const out = emptySegment(capacity, k);
  let o = 0;
  let i = 0;
  const kp = new Float32Array(k * 3);
  const code = PROVENANCE.interpolated;
  const flush = (upTo: number) => {
    while (i < existing.frames.length && existing.frames[i] < upTo) copyFrames(out, o++, existing, i++, 1, k);
  };
  for (let q = 0; q + 1 < inner.length; q++) {
    const a = inner[q];
    const b = inner[q + 1];
    flush(a.frame + 1);
    for (let f = a.frame + 1; f < b.frame; f++) {
      curves.keypoints(a, b, f, kp);
      if (i < existing.frames.length && existing.frames[i] === f) {
        copyFrames(out, o, existing, i++, 1, k);
        for (let j = 0; j < k; j++)
          setKeypoint(out, o, j, k, kp[j * 3], kp[j * 3 + 1], kp[j * 3 + 2], code, false);
      } else {
        out.frames[o] = f;
        out.keypoints.set(kp, o * k * 3);
        for (let c = 0; c < 4; c++)
          out.boxes[o * 4 + c] = lerp(a.frame, a.row.boxes[c], b.frame, b.row.boxes[c], f);
        out.scores[o] = lerp(a.frame, a.row.scores[0], b.frame, b.row.scores[0], f);
        out.provenance.fill(code, o * k, (o + 1) * k);
      }
      o++;
    }
  }
  flush(Infinity);
  return sliceSegment(out, 0, o, k);
}

const describeRange = (inFrame: number, outFrame: number) =>
  outFrame - inFrame === 1 ? `frame ${inFrame}` : `frames ${inFrame}–${outFrame - 1}`;

// ---------------------------------------------------------------------------------------------
// The actions

registerAction({
  name: 'moveKeypoint',
  label: 'Move keypoint',
  description:
    'Place a keypoint (drag it on the player, or nudge it); it becomes a person-placed point with score 1 and the frame a keyframe.',
  shortcut: 'Alt+Arrow',
  schema: moveKeypointSchema,
  apply(source, p) {
    const k = source.jointCount;
    requireJoint(source, p.joint);
    requireCoordinates(source, p.x, p.y);
    const before = requireFrame(source, p.trackId, p.frame);
    const after = cloneSegment(before, k);
    setKeypoint(after, 0, p.joint, k, p.x, p.y, 1, PROVENANCE.human);
    after.flags[0] |= KEYFRAME;
    return result(
      [patch(source, p.trackId, p.frame, p.frame + 1, before, after)],
      `Move ${jointName(source, p.joint)} (track ${p.trackId}, frame ${p.frame})`,
    );
  },
});

registerAction({
  name: 'setVisibility',
  label: 'Set visibility',
  description:
    'Mark keypoints visible, occluded (hidden behind something; the position is an estimate) or invisible (absent, score 0).',
  shortcut: 'V',
  schema: setVisibilitySchema,
  apply(source, p) {
    const k = source.jointCount;
    const joints = p.joints ?? Array.from({ length: k }, (_, j) => j);
    joints.forEach((j) => requireJoint(source, j));
    const before = requireFrame(source, p.trackId, p.frame);
    const after = cloneSegment(before, k);
    let changed = 0;
    for (const j of new Set(joints)) {
      const o = j * 3;
      const [x, y, score] = [after.keypoints[o], after.keypoints[o + 1], after.keypoints[o + 2]];
      const occluded = (after.provenance[j] & OCCLUDED) !== 0;
      if (p.visibility === 'visible' && (occluded || score === 0))
        setKeypoint(after, 0, j, k, x, y, score > 0 ? score : 1, PROVENANCE.human, false);
      else if (p.visibility === 'occluded' && !occluded)
        setKeypoint(after, 0, j, k, x, y, score, PROVENANCE.human, true);
      else if (p.visibility === 'invisible' && (score !== 0 || occluded))
        setKeypoint(after, 0, j, k, x, y, 0, PROVENANCE.human, false);
      else continue;
      changed++;
    }
    if (changed) after.flags[0] |= KEYFRAME;
    const what = joints.length === k ? 'all keypoints' : joints.map((j) => jointName(source, j)).join(', ');
    return result(
      [patch(source, p.trackId, p.frame, p.frame + 1, before, after)],
      `Set ${what} ${p.visibility} (track ${p.trackId}, frame ${p.frame})`,
    );
  },
});

registerAction({
  name: 'deletePerson',
  label: 'Delete person in frame',
  description: "Remove the track's pose in this frame (the frame becomes a gap).",
  shortcut: 'Delete',
  schema: deletePersonSchema,
  apply(source, p) {
    const before = requireFrame(source, p.trackId, p.frame);
    return result(
      [patch(source, p.trackId, p.frame, p.frame + 1, before, emptySegment(0, source.jointCount))],
      `Delete track ${p.trackId} at frame ${p.frame}`,
    );
  },
});

registerAction({
  name: 'addPerson',
  label: 'Add person by box',
  description:
    'Add a missing person from a box drawn around them; the pose model fills the keypoints (seeded by model), and the frame becomes a keyframe.',
  shortcut: 'B',
  schema: addPersonSchema,
  apply(source, p) {
    const k = source.jointCount;
    requireInVideo(source, p.frame);
    checkKeypointArray(source, p.keypoints, 'Add person');
    const [bx, by] = p.box;
    requireCoordinates(source, bx, by);
    const before = source.read(p.trackId, p.frame, p.frame + 1);
    if (before.frames.length)
      refuse(
        `Track ${p.trackId} already has a pose at frame ${p.frame}; move its keypoints, or delete it first.`,
      );
    const after = seededRow(
      k,
      p.frame,
      p.keypoints,
      p.box,
      p.score ?? meanKeypointScore(p.keypoints),
      KEYFRAME,
    );
    const label = source.extent(p.trackId) ? source.label(p.trackId) : 'person';
    return result(
      [patch(source, p.trackId, p.frame, p.frame + 1, before, after, label)],
      `Add track ${p.trackId} at frame ${p.frame}`,
    );
  },
});

registerAction({
  name: 'setKeyframe',
  label: 'Keyframe',
  description: 'Mark or unmark the frame as a keyframe: interpolation runs between keyframes.',
  shortcut: 'F',
  schema: setKeyframeSchema,
  apply(source, p) {
    const before = requireFrame(source, p.trackId, p.frame);
    const after = cloneSegment(before, source.jointCount);
    after.flags[0] = p.keyframe ? after.flags[0] | KEYFRAME : after.flags[0] & ~KEYFRAME;
    return result(
      [patch(source, p.trackId, p.frame, p.frame + 1, before, after)],
      `${p.keyframe ? 'Mark' : 'Unmark'} keyframe (track ${p.trackId}, frame ${p.frame})`,
    );
  },
});

registerAction({
  name: 'interpolate',
  label: 'Interpolate',
  description:
    'Recompute every frame between consecutive keyframes of the range (missing frames are created): linear, or smooth (a Catmull-Rom spline through the keyframes, and the nearest keyframe on each side).',
  shortcut: 'Shift+I',
  schema: interpolateSchema,
  apply(source, p) {
    const k = source.jointCount;
    requireTrack(source, p.trackId);
    requireRange(source, p.inFrame, p.outFrame);
    const seg = source.read(p.trackId, p.inFrame, p.outFrame);
    const inner: Knot[] = [];
    for (let i = 0; i < seg.frames.length; i++)
      if (seg.flags[i] & KEYFRAME) inner.push({ frame: seg.frames[i], row: sliceSegment(seg, i, i + 1, k) });
    if (inner.length < 2)
      refuse(
        `Interpolation needs two keyframes in ${describeRange(p.inFrame, p.outFrame)} of track ${p.trackId}; found ${
          inner.length ? `one (frame ${inner[0].frame})` : 'none'
        }. Mark keyframes first.`,
      );
    const knots = [...inner];
    if (p.method === 'smooth') {
      const before = knotOf(source, p.trackId, source.nearestKeyframe(p.trackId, inner[0].frame, -1));
      const after = knotOf(
        source,
        p.trackId,
        source.nearestKeyframe(p.trackId, inner[inner.length - 1].frame, 1),
      );
      if (before) knots.unshift(before);
      if (after) knots.push(after);
    }
    const start = inner[0].frame;
    const end = inner[inner.length - 1].frame + 1;
    const existing = source.read(p.trackId, start, end);
    const after = interpolateBetween(existing, inner, new KnotCurves(knots, k, p.method), k);
    return result(
      [patch(source, p.trackId, start, end, existing, after)],
      `Interpolate ${p.method} (track ${p.trackId}, ${describeRange(start, end)})`,
    );
  },
});

registerAction({
  name: 'fillGap',
  label: 'Fill gap',
  description:
    'Fill the gap around this frame by interpolating between the poses on either side (smooth also follows the poses before and after them).',
  shortcut: 'G',
  schema: fillGapSchema,
  apply(source, p) {
    const k = source.jointCount;
    const extent = requireTrack(source, p.trackId);
    if (source.read(p.trackId, p.frame, p.frame + 1).frames.length)
      refuse(`Track ${p.trackId} has a pose at frame ${p.frame}: it is not in a gap.`);
    if (p.frame < extent.firstFrame || p.frame > extent.lastFrame)
      refuse(
        `Frame ${p.frame} is outside track ${p.trackId} (frames ${extent.firstFrame}–${extent.lastFrame}): there is no gap to fill there; add a person instead.`,
      );
    const a = neighbourFrame(source, p.trackId, p.frame, -1);
    const b = neighbourFrame(source, p.trackId, p.frame, 1);
    if (a === null || b === null) refuse(`Frame ${p.frame} is not inside a gap of track ${p.trackId}.`);
    const ka = knotOf(source, p.trackId, a) as Knot;
    const kb = knotOf(source, p.trackId, b) as Knot;
    const knots = [ka, kb];
    if (p.method === 'smooth') {
      const before = knotOf(source, p.trackId, neighbourFrame(source, p.trackId, a, -1));
      const after = knotOf(source, p.trackId, neighbourFrame(source, p.trackId, b, 1));
      if (before) knots.unshift(before);
      if (after) knots.push(after);
    }
    const empty = emptySegment(0, k);
    const filled = interpolateBetween(empty, [ka, kb], new KnotCurves(knots, k, p.method), k);
    return result(
      [patch(source, p.trackId, a + 1, b, empty, filled)],
      `Fill gap ${p.method} (track ${p.trackId}, ${describeRange(a + 1, b)})`,
    );
  },
});

registerAction({
  name: 'swapLeftRight',
  label: 'Swap left/right',
  description: "Swap every left joint with its right partner over the range (the detector's classic mix-up).",
  shortcut: 'S',
  schema: swapLeftRightSchema,
  apply(source, p) {
    const k = source.jointCount;
    const pairs = getSkeleton(source.skeletonId).swapPairs;
    if (!pairs.length) refuse(`The ${source.skeletonId} skeleton has no left/right joints to swap.`);
    const before = requireFramesIn(source, p.trackId, p.inFrame, p.outFrame);
    const after = cloneSegment(before, k);
    const human = PROVENANCE.human;
    for (let i = 0; i < after.frames.length; i++) {
      for (const [l, r] of pairs) {
        const pl = i * k + l;
        const pr = i * k + r;
        // Each joint keeps the model's value of itself, whichever value it now holds.
        const origL = (after.provenance[pl] & PROVENANCE_MASK) === 0 ? after.keypoints : after.originals;
        const origR = (after.provenance[pr] & PROVENANCE_MASK) === 0 ? after.keypoints : after.originals;
        const oL = [origL[pl * 3], origL[pl * 3 + 1], origL[pl * 3 + 2]];
        const oR = [origR[pr * 3], origR[pr * 3 + 1], origR[pr * 3 + 2]];
        const vL = after.keypoints.slice(pl * 3, pl * 3 + 3);
        const vR = after.keypoints.slice(pr * 3, pr * 3 + 3);
        after.keypoints.set(vR, pl * 3);
        after.keypoints.set(vL, pr * 3);
        after.originals.set(oL, pl * 3);
        after.originals.set(oR, pr * 3);
        const occL = after.provenance[pl] & OCCLUDED;
        const occR = after.provenance[pr] & OCCLUDED;
        after.provenance[pl] = occR | human;
        after.provenance[pr] = occL | human;
      }
    }
    return result(
      [patch(source, p.trackId, p.inFrame, p.outFrame, before, after)],
      `Swap left/right (track ${p.trackId}, ${describeRange(p.inFrame, p.outFrame)})`,
    );
  },
});

registerAction({
  name: 'splitTrack',
  label: 'Split track',
  description: 'Split the track at this frame: this frame and the later ones become a new track.',
  shortcut: 'Shift+X',
  schema: splitTrackSchema,
  apply(source, p) {
    const k = source.jointCount;
    const extent = requireTrack(source, p.trackId);
    if (p.frame <= extent.firstFrame)
      refuse(
        `Splitting track ${p.trackId} at frame ${p.frame} would leave nothing before it: the track starts at frame ${extent.firstFrame}. Split at a later frame.`,
      );
    if (p.frame > extent.lastFrame)
      refuse(
        `Splitting track ${p.trackId} at frame ${p.frame} would move nothing: the track ends at frame ${extent.lastFrame}.`,
      );
    const ids = source.trackIds();
    const newId = p.newTrackId ?? Math.max(...ids) + 1;
    if (source.extent(newId))
      refuse(`Track ${newId} already exists; split into a new id, or reassign the frames to it instead.`);
    const end = extent.lastFrame + 1;
    const moving = source.read(p.trackId, p.frame, end);
    const empty = emptySegment(0, k);
    return result(
      [
        patch(source, p.trackId, p.frame, end, moving, empty),
        patch(source, newId, p.frame, end, empty, cloneSegment(moving, k), source.label(p.trackId)),
      ],
      `Split track ${p.trackId} at frame ${p.frame} into track ${newId}`,
    );
  },
});

registerAction({
  name: 'mergeTracks',
  label: 'Merge tracks',
  description:
    "Move every frame of the other track into this one and remove it. Frames both have are refused, or keep this track's pose with overlap 'keep-first'.",
  shortcut: 'M',
  schema: mergeTracksSchema,
  apply(source, p) {
    const k = source.jointCount;
    if (p.trackId === p.otherTrackId) refuse(`A track cannot be merged with itself (track ${p.trackId}).`);
    requireTrack(source, p.trackId);
    const other = requireTrack(source, p.otherTrackId);
    const start = other.firstFrame;
    const end = other.lastFrame + 1;
    const b = source.read(p.otherTrackId, start, end);
    const a = source.read(p.trackId, start, end);
    const inA = new Set(a.frames);
    const shared = b.frames.filter((f) => inA.has(f));
    if (shared.length && p.overlap === 'refuse')
      refuse(
        `Tracks ${p.trackId} and ${p.otherTrackId} both have poses at ${shared.length} frame${shared.length > 1 ? 's' : ''} (${shared[0]}${
          shared.length > 1 ? `–${shared[shared.length - 1]}` : ''
        }). Merge with overlap 'keep-first' to keep track ${p.trackId}'s poses there, or delete them from one track first.`,
      );
    const incoming = filterSegment(b, k, (i) => !inA.has(b.frames[i]));
    return result(
      [
        patch(source, p.trackId, start, end, a, mergeSegments(a, incoming, k)),
        patch(source, p.otherTrackId, start, end, b, emptySegment(0, k)),
      ],
      `Merge track ${p.otherTrackId} into track ${p.trackId}${shared.length ? ` (kept track ${p.trackId} at ${shared.length} shared frames)` : ''}`,
    );
  },
});

registerAction({
  name: 'reassignRange',
  label: 'Reassign range',
  description:
    "Give the range's poses to another track id, new or existing; with conflict 'swap' the two tracks exchange their poses there (fixes an identity switch).",
  shortcut: 'R',
  schema: reassignRangeSchema,
  apply(source, p) {
    const k = source.jointCount;
    if (p.toTrackId === p.trackId) refuse(`The range already belongs to track ${p.trackId}.`);
    const moving = requireFramesIn(source, p.trackId, p.inFrame, p.outFrame);
    const there = source.read(p.toTrackId, p.inFrame, p.outFrame);
    if (there.frames.length && p.conflict === 'refuse')
      refuse(
        `Track ${p.toTrackId} already has ${there.frames.length} pose${there.frames.length > 1 ? 's' : ''} in ${describeRange(p.inFrame, p.outFrame)}; reassign with conflict 'swap' to exchange them, or delete them first.`,
      );
    const label = source.extent(p.toTrackId) ? source.label(p.toTrackId) : source.label(p.trackId);
    const swap = there.frames.length > 0;
    return result(
      [
        patch(
          source,
          p.trackId,
          p.inFrame,
          p.outFrame,
          moving,
          swap ? cloneSegment(there, k) : emptySegment(0, k),
        ),
        patch(source, p.toTrackId, p.inFrame, p.outFrame, there, cloneSegment(moving, k), label),
      ],
      `${swap ? 'Swap' : 'Reassign'} ${describeRange(p.inFrame, p.outFrame)} of track ${p.trackId} ${swap ? 'with' : 'to'} track ${p.toTrackId}`,
    );
  },
});

registerAction({
  name: 'deleteRange',
  label: 'Delete range',
  description: "Remove the track's poses in the range.",
  shortcut: 'Shift+Delete',
  schema: deleteRangeSchema,
  apply(source, p) {
    const before = requireFramesIn(source, p.trackId, p.inFrame, p.outFrame);
    return result(
      [patch(source, p.trackId, p.inFrame, p.outFrame, before, emptySegment(0, source.jointCount))],
      `Delete ${describeRange(p.inFrame, p.outFrame)} of track ${p.trackId}`,
    );
  },
});

registerAction({
  name: 'filterRange',
  label: 'Smooth range',
  description:
    "Smooth the range's keypoints with One-Euro, Butterworth or median (the frames around it are read as context); the model values are kept, so it can be undone or left out of exports.",
  shortcut: 'Shift+F',
  schema: filterRangeSchema,
  apply(source, p) {
    const k = source.jointCount;
    const params = smoothParams(p, source.video.fps);
    const before = requireFramesIn(source, p.trackId, p.inFrame, p.outFrame);
    const fps = source.video.fps;
    const margin = Math.min(600, Math.max(Math.round(2 * fps), (params.window ?? 0) * 2));
    const context = source.read(p.trackId, p.inFrame - margin, p.outFrame + margin);
    const smoothed = smoothTrack(
      segmentToTrack(context, p.trackId, source.skeletonId),
      params,
      fps,
      source.video.height,
    );
    const offset = positionOf(context, before.frames[0]);
    const after = cloneSegment(before, k);
    for (let i = 0; i < after.frames.length; i++) {
      const c = (offset + i) * k * 3;
      for (let j = 0; j < k; j++) {
        const code = after.provenance[i * k + j] & PROVENANCE_MASK;
        if (p.keepHuman && code === PROVENANCE.human) continue;
        const o = (i * k + j) * 3;
        const x = Math.fround(smoothed.keypoints[c + j * 3]);
        const y = Math.fround(smoothed.keypoints[c + j * 3 + 1]);
        if (x === after.keypoints[o] && y === after.keypoints[o + 1]) continue;
        setKeypoint(after, i, j, k, x, y, after.keypoints[o + 2], PROVENANCE.filtered);
      }
    }
    const how =
      params.filter === 'median'
        ? `median ${params.window}`
        : `${params.filter} ${params.cutoffHz} Hz${params.beta !== null ? `, beta ${params.beta}` : ''}`;
    return result(
      [patch(source, p.trackId, p.inFrame, p.outFrame, before, after)],
      `Smooth ${how} (track ${p.trackId}, ${describeRange(p.inFrame, p.outFrame)})`,
    );
  },
});

registerAction({
  name: 'revertToModel',
  label: 'Revert to model',
  description:
    "Put the model's values back on corrected keypoints of the range (keypoints the model never gave stay as they are).",
  shortcut: 'Shift+R',
  schema: revertToModelSchema,
  apply(source, p) {
    const k = source.jointCount;
    const joints = p.joints ?? Array.from({ length: k }, (_, j) => j);
    joints.forEach((j) => requireJoint(source, j));
    const before = requireFramesIn(source, p.trackId, p.inFrame, p.outFrame);
    const after = cloneSegment(before, k);
    for (let i = 0; i < after.frames.length; i++) {
      for (const j of joints) {
        const q = i * k + j;
        if ((after.provenance[q] & PROVENANCE_MASK) === PROVENANCE.model) continue;
        if (Number.isNaN(after.originals[q * 3])) continue;
        after.keypoints.set(after.originals.subarray(q * 3, q * 3 + 3), q * 3);
        after.originals.fill(NaN, q * 3, q * 3 + 3);
        after.provenance[q] = PROVENANCE.model;
      }
    }
    return result(
      [patch(source, p.trackId, p.inFrame, p.outFrame, before, after)],
      `Revert to model (track ${p.trackId}, ${describeRange(p.inFrame, p.outFrame)})`,
    );
  },
});

registerAction({
  name: 'setPoses',
  label: 'Model-assisted fix',
  description: 'Poses the model produced from a corrected box or seed keypoints, written over the range.',
  shortcut: null,
  internal: true,
  schema: setPosesSchema,
  apply(source, p) {
    const k = source.jointCount;
    requireRange(source, p.inFrame, p.outFrame);
    let last = -1;
    for (const pose of p.poses) {
      if (pose.frame < p.inFrame || pose.frame >= p.outFrame)
        refuse(`A pose at frame ${pose.frame} is outside ${describeRange(p.inFrame, p.outFrame)}.`);
      if (pose.frame <= last)
        refuse(`Poses must be in increasing frame order: ${pose.frame} follows ${last}.`);
      last = pose.frame;
      checkKeypointArray(source, pose.keypoints, `The pose at frame ${pose.frame}`);
    }
    const before = source.read(p.trackId, p.inFrame, p.outFrame);
    const rows: Segment[] = [];
    let i = 0;
    for (const pose of p.poses) {
      while (i < before.frames.length && before.frames[i] < pose.frame)
        rows.push(sliceSegment(before, i, ++i, k));
      if (i < before.frames.length && before.frames[i] === pose.frame) {
        const row = sliceSegment(before, i, ++i, k);
        for (let j = 0; j < k; j++)
          setKeypoint(
            row,
            0,
            j,
            k,
            pose.keypoints[j * 3],
            pose.keypoints[j * 3 + 1],
            pose.keypoints[j * 3 + 2],
            PROVENANCE['seeded-by-model'],
            false,
          );
        row.boxes.set(pose.box);
        row.scores[0] = pose.score;
        row.flags[0] &= ~KEYFRAME;
        rows.push(row);
      } else rows.push(seededRow(k, pose.frame, pose.keypoints, pose.box, pose.score, 0));
    }
    while (i < before.frames.length) rows.push(sliceSegment(before, i, ++i, k));
    const after = concatSegments(rows, k);
    const label = source.extent(p.trackId) ? source.label(p.trackId) : 'person';
    return result(
      [patch(source, p.trackId, p.inFrame, p.outFrame, before, after, label)],
      `${p.note ?? 'Model-assisted fix'} (track ${p.trackId}, ${p.poses.length} frame${p.poses.length === 1 ? '' : 's'} in ${describeRange(p.inFrame, p.outFrame)})`,
    );
  },
});
