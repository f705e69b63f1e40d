/**
 * Offline linking of track fragments: a person lost for longer than the online tracker's
 * `maxMissed` (or re-detected away from the prediction) comes back as a new track; this pass joins
 * a fragment that ends to one that starts soon after, where the pose fits.
 *
 * For each pair (A ends at frame a, B starts at frame b > a, b - a ≤ `maxGap`), A's last pose is
 * carried forward to b with A's body velocity (box centre, over its last `velocityFrames` frames),
 * and B's first pose backward to a with B's. The similarity is the mean of the two OKS values, with
 * the tolerance widened by `gateGrowth` per frame of gap; pairs whose box heights differ by more than
 * `maxScaleRatio` or whose similarity is below `minSimilarity` are never joined. Ends and starts are
 * then matched one to one with the Hungarian algorithm (cost 1 - similarity), which forms chains
 * ordered in time; each chain becomes one track with the id of its first fragment.
 */
import { buildTrack, jointCount, type PoseRow, type PoseTrack } from '../pose';
import { oks, oksSigmas } from './geometry';
import { hungarian } from './hungarian';

export interface JoinOptions {
  /** Largest gap, in frames, between a fragment's end and the next one's start. Default 90. */
  maxGap?: number;
  /** Minimum similarity to join. Default 0.3. */
  minSimilarity?: number;
  /** OKS tolerance grows by this fraction per frame of gap. Default 0.1. */
  gateGrowth?: number;
  /** Keypoints below this score are ignored. Default 0.3. */
  minKeypointScore?: number;
  /** Frames at a fragment's end (start) used to estimate its velocity. Default 5. */
  velocityFrames?: number;
  /** Largest ratio between the box heights at the end and the start. Default 1.5. */
  maxScaleRatio?: number;
}

export interface JoinResult {
  tracks: PoseTrack[];
  /** The chains that were joined: the resulting id and the fragment ids, in time order. */
  joined: { trackId: number; fragments: number[] }[];
}

interface End {
  frame: number;
  kp: Float32Array;
  box: Float32Array;
  /** Body velocity (px/frame), pointing forward in time. */
  vx: number;
  vy: number;
}

function endOf(track: PoseTrack, atStart: boolean, velocityFrames: number): End {
  const n = track.frames.length;
  const k = jointCount(track);
  const i = atStart ? 0 : n - 1;
  const jdx = atStart ? Math.min(n - 1, velocityFrames) : Math.max(0, n - 1 - velocityFrames);
  const center = (idx: number): [number, number] => [
    track.boxes[idx * 4] + track.boxes[idx * 4 + 2] / 2,
    track.boxes[idx * 4 + 1] + track.boxes[idx * 4 + 3] / 2,
  ];
  let vx = 0;
  let vy = 0;
  const span = track.frames[Math.max(i, jdx)] - track.frames[Math.min(i, jdx)];
  if (span > 0) {
    const [x0, y0] = center(Math.min(i, jdx));
    const [x1, y1] = center(Math.max(i, jdx));
    vx = (x1 - x0) / span;
    vy = (y1 - y0) / span;
  }
  return {
    frame: track.frames[i],
    kp: track.keypoints.slice(i * k * 3, (i + 1) * k * 3),
    box: track.boxes.slice(i * 4, i * 4 + 4),
    vx,
    vy,
  };
}

function moved(kp: Float32Array, dx: number, dy: number): Float32Array {
  const out = kp.slice();
  for (let j = 0; j < out.length; j += 3) {
    out[j] += dx;
    out[j + 1] += dy;
  }
  return out;
}

/** Joins fragments of the same person; tracks are not modified (new ones are built for chains). */
export function joinFragments(tracks: readonly PoseTrack[], options: JoinOptions = {}): JoinResult {
  const maxGap = options.maxGap ?? 90;
  const minSimilarity = options.minSimilarity ?? 0.3;
  const gateGrowth = options.gateGrowth ?? 0.1;
  const minScore = options.minKeypointScore ?? 0.3;
  const velocityFrames = options.velocityFrames ?? 5;
  const maxScaleRatio = options.maxScaleRatio ?? 1.5;

  const usable = tracks.filter((t) => t.frames.length > 0);
  const ends = usable.map((t) => endOf(t, false, velocityFrames));
  const starts = usable.map((t) => endOf(t, true, velocityFrames));
  const cost = usable.map((a, i) =>
    usable.map((b, j) => {
      if (i === j || a.skeletonId !== b.skeletonId) return Infinity;
      const e = ends[i];
      const s = starts[j];
      const gap = s.frame - e.frame;
      if (gap <= 0 || gap > maxGap) return Infinity;
      const ratio = Math.max(e.box[3], s.box[3]) / Math.max(1e-6, Math.min(e.box[3], s.box[3]));
      if (ratio > maxScaleRatio) return Infinity;
      const sigmas = oksSigmas(a.skeletonId);
      const area = Math.max(e.box[2] * e.box[3], s.box[2] * s.box[3]);
      const tol = { minScore, toleranceScale: 1 + gateGrowth * (gap - 1) };
      const fwd = oks(moved(e.kp, e.vx * gap, e.vy * gap), s.kp, sigmas, area, tol);
      const bwd = oks(e.kp, moved(s.kp, -s.vx * gap, -s.vy * gap), sigmas, area, tol);
      const sim = Number.isNaN(fwd) || Number.isNaN(bwd) ? 0 : (fwd + bwd) / 2;
      return sim >= minSimilarity ? 1 - sim : Infinity;
    }),
  );
  const { rowToCol, colToRow } = hungarian(cost, usable.length);

  const out: PoseTrack[] = [];
  const joined: JoinResult['joined'] = [];
  usable.forEach((first, i) => {
    if (colToRow[i] >= 0) return; // not the head of a chain
    const chain = [first];
    for (let c = rowToCol[i]; c >= 0; c = rowToCol[c]) chain.push(usable[c]);
    if (chain.length === 1) {
      out.push(first);
      return;
    }
    const k = jointCount(first);
    const rows: PoseRow[] = [];
    for (const t of chain) {
      for (let n = 0; n < t.frames.length; n++) {
        rows.push({
          frame: t.frames[n],
          keypoints: t.keypoints.subarray(n * k * 3, (n + 1) * k * 3),
          box: t.boxes.subarray(n * 4, n * 4 + 4),
          score: t.scores[n],
        });
      }
    }
    out.push(buildTrack(first.trackId, first.skeletonId, rows));
    joined.push({ trackId: first.trackId, fragments: chain.map((t) => t.trackId) });
  });
  out.sort((a, b) => a.trackId - b.trackId);
  return { tracks: out, joined };
}
