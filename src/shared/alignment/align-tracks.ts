/**
 * Aligning a learner's pose track to a reference's: training-free features of each track over
 * its range (features.ts), then DTW over the two whole ranges ('global') or subsequence DTW that
 * finds where the reference motion happens inside the learner's longer, untrimmed range
 * ('subsequence'). Everything comes back in video frames of each side.
 */
import { trackRange, type PoseTrack } from '../pose';
import { dtw, subsequenceDtw, type DtwDistance } from './dtw';
import { poseFeatures2d, type Feature2dKind, type FeatureSequence } from './features';
import { nearestNeighbourTau } from './kendall';

export interface TrackRange {
  track: PoseTrack;
  /** Half-open range of video frames; the whole track when absent. */
  inFrame?: number;
  outFrame?: number;
}

export interface AlignTracksOptions {
  /** Default ['bones', 'angles']: the view-robust ones. */
  features?: readonly Feature2dKind[];
  /** Default 'euclidean'. */
  distance?: DtwDistance;
  /** Sakoe-Chiba band as a fraction of the longer side (global mode only); none by default. */
  band?: number;
  /** 'global' (default): both ranges end to end. 'subsequence': find the reference inside the learner. */
  mode?: 'global' | 'subsequence';
  /**
   * Per-frame vectors computed elsewhere (e.g. a trained encoder's embeddings, one row per video
   * frame of each range, NaN where absent), used instead of the training-free features; `name`
   * is what the result's `features` reports.
   */
  sequences?: { learner: FeatureSequence; reference: FeatureSequence; name: string };
}

export interface TrackAlignment {
  mode: 'global' | 'subsequence';
  /** Video frame of each feature row (learner, reference). */
  learnerFrames: Int32Array;
  referenceFrames: Int32Array;
  /** The warping path as video-frame pairs. */
  path: { learner: Int32Array; reference: Int32Array };
  /**
   * For each learner video frame in [learnerStart, learnerEnd], its reference video frame
   * (index i = learnerStart + i); and for each reference frame, its learner frame.
   */
  learnerToReference: Int32Array;
  referenceToLearner: Int32Array;
  /** The learner frames the reference motion spans (the whole range in global mode). */
  learnerStart: number;
  learnerEnd: number;
  cost: number;
  /** Mean local cost along the path: lower = more alike. */
  normalizedCost: number;
  /** TCC's alignment quality of the features: nearest-neighbour Kendall's tau, learner → reference. */
  featureTau: number;
  features: string[];
}

function rangeOf(t: TrackRange, what: string): PoseTrack {
  const { track } = t;
  const part = trackRange(track, t.inFrame, t.outFrame);
  const n = part.frames.length;
  if (n < 2)
    throw new Error(
      `The ${what} has ${n === 0 ? 'no pose' : 'only one pose'} in frames ${t.inFrame ?? track.frames[0]}–${(t.outFrame ?? (track.frames.at(-1) ?? 0) + 1) - 1}; alignment needs a sequence.`,
    );
  return part;
}

function featuresOf(t: TrackRange, what: string, kinds: readonly Feature2dKind[]): FeatureSequence {
  return poseFeatures2d(rangeOf(t, what), { kinds });
}

function checkedSequence(s: FeatureSequence, what: string): FeatureSequence {
  if (s.frames.length < 2)
    throw new Error(
      `The ${what} has ${s.frames.length === 0 ? 'no frame' : 'only one frame'} to align; alignment needs a sequence.`,
    );
  if (s.values.length !== s.frames.length * s.dim)
    throw new Error(
      `The ${what}'s vectors (${s.values.length} values) are not ${s.frames.length} frames × ${s.dim}.`,
    );
  return s;
}

export function alignTracks(
  learner: TrackRange,
  reference: TrackRange,
  o: AlignTracksOptions = {},
): TrackAlignment {
  const kinds = o.features ?? ['bones', 'angles'];
  const mode = o.mode ?? 'global';
  const distance = o.distance ?? 'euclidean';
  const fl = o.sequences
    ? checkedSequence(o.sequences.learner, 'learner')
    : featuresOf(learner, 'learner', kinds);
  const fr = o.sequences
    ? checkedSequence(o.sequences.reference, 'reference')
    : featuresOf(reference, 'reference', kinds);
  if (fl.dim !== fr.dim)
    throw new Error(
      `The learner has ${fl.dim} values per frame and the reference ${fr.dim}: they cannot be compared.`,
    );
  const dim = fl.dim;
  const n = fl.frames.length;
  const m = fr.frames.length;
  let pathL: Int32Array;
  let pathR: Int32Array;
  let cost: number;
  let normalizedCost: number;
  let startRow = 0;
  let endRow = n - 1;
  if (mode === 'subsequence') {
    if (n < m)
      throw new Error(
        `Finding the reference inside the learner needs a learner range at least as long as the reference (${n} < ${m} frames); align them end to end instead.`,
      );
    const r = subsequenceDtw(fr.values, fl.values, dim, { distance, k: 1 });
    const best = r.matches[0];
    if (!best?.path) throw new Error('No match of the reference was found in the learner range.');
    // The subsequence path pairs (reference row, learner row).
    pathR = best.path.a;
    pathL = best.path.b;
    cost = best.cost;
    normalizedCost = best.normalizedCost;
    startRow = best.start;
    endRow = best.end;
  } else {
    const r = dtw(fl.values, fr.values, dim, {
      distance,
      ...(o.band !== undefined ? { band: { fraction: o.band } } : {}),
    });
    if (!r.path) throw new Error('DTW returned no path.');
    pathL = r.path.a;
    pathR = r.path.b;
    cost = r.cost;
    normalizedCost = r.normalizedCost;
  }
  // Correspondences in video frames: for each learner row in the match, the middle of the
  // reference rows it is paired with (and the other way round).
  const middle = (from: Int32Array, to: Int32Array, lo: number, hi: number) => {
    const first = new Int32Array(hi - lo + 1).fill(-1);
    const last = new Int32Array(hi - lo + 1).fill(-1);
    for (let t = 0; t < from.length; t++) {
      const i = from[t] - lo;
      if (first[i] < 0) first[i] = to[t];
      last[i] = to[t];
    }
    return Int32Array.from(first, (f, i) => Math.round((f + last[i]) / 2));
  };
  const l2r = middle(pathL, pathR, startRow, endRow);
  const r2l = middle(pathR, pathL, 0, m - 1);
  const matchL = fl.values.subarray(startRow * dim, (endRow + 1) * dim);
  let featureTau = NaN;
  try {
    featureTau = nearestNeighbourTau(
      matchL,
      fr.values,
      dim,
      distance === 'cosine' ? 'cosine' : 'sqeuclidean',
    );
  } catch {
    // Fewer than two frames with features: tau is undefined.
  }
  return {
    mode,
    learnerFrames: fl.frames,
    referenceFrames: fr.frames,
    path: {
      learner: Int32Array.from(pathL, (i) => fl.frames[i]),
      reference: Int32Array.from(pathR, (j) => fr.frames[j]),
    },
    learnerToReference: Int32Array.from(l2r, (j) => fr.frames[j]),
    referenceToLearner: Int32Array.from(r2l, (i) => fl.frames[i]),
    learnerStart: fl.frames[startRow],
    learnerEnd: fl.frames[endRow],
    cost,
    normalizedCost,
    featureTau,
    features: o.sequences ? [o.sequences.name] : [...kinds],
  };
}
