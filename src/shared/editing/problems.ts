/**
 * The problems finder: the parts of a track an annotator should look at, so the editor can offer
 * a "next problem" key instead of watching everything.
 *
 *  - low-confidence: consecutive frames whose mean keypoint score is below `minScore`; keypoints
 *    an edit set (human, interpolated, filtered, seeded) count as confident;
 *  - gap: frames missing between the track's first and last frame;
 *  - jump: the box centre moves more than `jumpFactor` × the person's size per frame between
 *    neighbouring frames (an identity switch or a detection on someone else); frames with edited
 *    keypoints use the box around their keypoints, since an edit does not move the stored box;
 *  - swap: left/right suspects, frames where, for at least two left/right pairs (a leg's knee and
 *    ankle, say), each joint lands where its partner was in the previous frame much better than
 *    where it was itself; the range runs until the joints jump back (or the run of frames ends).
 *
 * Problems come sorted by first frame (then track), each with a half-open frame range and a reason.
 */
import { boxFromKeypoints } from '../pose';
import { getSkeleton, type SkeletonId } from '../skeletons';
import { PROVENANCE_MASK } from './provenance';
import type { Segment } from './segment';

export type ProblemKind = 'low-confidence' | 'gap' | 'jump' | 'swap';

export interface Problem {
  trackId: number;
  kind: ProblemKind;
  /** Half-open frame range [inFrame, outFrame). */
  inFrame: number;
  outFrame: number;
  reason: string;
}

export interface ProblemOptions {
  /** Mean keypoint score below which a frame is low-confidence (default 0.3). */
  minScore?: number;
  /** Box-centre motion per frame, as a share of the person's height, that counts as a jump (default 0.5). */
  jumpFactor?: number;
  /** A swap is suspected when the crossed distance is below this share of the straight one (default 0.5). */
  swapRatio?: number;
  /** Kinds to look for (default all). */
  kinds?: readonly ProblemKind[];
}

const DEFAULTS = { minScore: 0.3, jumpFactor: 0.5, swapRatio: 0.5 };

/**
 * Per stored frame: the mean keypoint score (edited keypoints count as 1) and the person's box
 * centre and size (the box around the keypoints where an edit changed some, since an edit does
 * not move the stored box).
 */
function perFrame(s: Segment, k: number) {
  const n = s.frames.length;
  const score = new Float64Array(n);
  const cx = new Float64Array(n);
  const cy = new Float64Array(n);
  const size = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let edited = false;
    for (let j = 0; j < k; j++) {
      const e = (s.provenance[i * k + j] & PROVENANCE_MASK) !== 0;
      edited ||= e;
      sum += e ? 1 : s.keypoints[(i * k + j) * 3 + 2];
    }
    score[i] = k ? sum / k : 0;
    const b = edited
      ? boxFromKeypoints(s.keypoints.subarray(i * k * 3, (i + 1) * k * 3), 0.2)
      : s.boxes.subarray(i * 4, i * 4 + 4);
    cx[i] = b[0] + b[2] / 2;
    cy[i] = b[1] + b[3] / 2;
    size[i] = Math.max(b[3], b[2], 1);
  }
  return { score, cx, cy, size };
}

const fmt = (n: number) => (Math.round(n * 100) / 100).toString();
const span = (a: number, b: number) => (b - a === 1 ? `frame ${a}` : `frames ${a}–${b - 1}`);

/** The problems of one track (all of its frames, as a segment). */
export function findTrackProblems(
  seg: Segment,
  trackId: number,
  skeletonId: SkeletonId,
  options: ProblemOptions = {},
): Problem[] {
  const o = {
    minScore: options.minScore ?? DEFAULTS.minScore,
    jumpFactor: options.jumpFactor ?? DEFAULTS.jumpFactor,
    swapRatio: options.swapRatio ?? DEFAULTS.swapRatio,
  };
  const kinds = new Set(options.kinds ?? ['low-confidence', 'gap', 'jump', 'swap']);
  const skeleton = getSkeleton(skeletonId);
  const k = skeleton.joints.length;
  const n = seg.frames.length;
  const f = seg.frames;
  const out: Problem[] = [];
  const per = perFrame(seg, k);

  if (kinds.has('gap'))
    for (let i = 1; i < n; i++)
      if (f[i] - f[i - 1] > 1) {
        const a = f[i - 1] + 1;
        out.push({
          trackId,
          kind: 'gap',
          inFrame: a,
          outFrame: f[i],
          reason: `No pose for ${f[i] - a} frame${f[i] - a > 1 ? 's' : ''} (${span(a, f[i])}).`,
        });
      }

  if (kinds.has('low-confidence')) {
    let start = -1;
    let sum = 0;
    const close = (endPos: number) => {
      const count = endPos - start;
      out.push({
        trackId,
        kind: 'low-confidence',
        inFrame: f[start],
        outFrame: f[endPos - 1] + 1,
        reason: `Low confidence: mean keypoint score ${fmt(sum / count)} over ${count} frame${count > 1 ? 's' : ''}.`,
      });
      start = -1;
      sum = 0;
    };
    for (let i = 0; i < n; i++) {
      const s = per.score[i];
      const low = s < o.minScore;
      if (start >= 0 && (!low || f[i] - f[i - 1] > 1)) close(i);
      if (low) {
        if (start < 0) start = i;
        sum += s;
      }
    }
    if (start >= 0) close(n);
  }

  if (kinds.has('jump'))
    for (let i = 1; i < n; i++) {
      const gap = f[i] - f[i - 1];
      if (gap > 2) continue;
      const dx = per.cx[i] - per.cx[i - 1];
      const dy = per.cy[i] - per.cy[i - 1];
      const d = Math.sqrt(dx * dx + dy * dy);
      const rel = d / (per.size[i - 1] * gap);
      if (rel > o.jumpFactor)
        out.push({
          trackId,
          kind: 'jump',
          inFrame: f[i],
          outFrame: f[i] + 1,
          reason: `The person jumps ${Math.round(d)} px (${fmt(rel)} × their height per frame) between frames ${f[i - 1]} and ${f[i]}.`,
        });
    }

  if (kinds.has('swap') && skeleton.swapPairs.length) {
    const ok = (i: number, j: number) => seg.keypoints[(i * k + j) * 3 + 2] >= o.minScore;
    const kp = seg.keypoints;
    const dist = (i: number, a: number, h: number, b: number) => {
      const dx = kp[(i * k + a) * 3] - kp[(h * k + b) * 3];
      const dy = kp[(i * k + a) * 3 + 1] - kp[(h * k + b) * 3 + 1];
      return Math.sqrt(dx * dx + dy * dy);
    };
    let swappedFrom = -1;
    const close = (endFrame: number) => {
      out.push({
        trackId,
        kind: 'swap',
        inFrame: swappedFrom,
        outFrame: endFrame,
        reason: `Left and right look swapped in ${span(swappedFrom, endFrame)}: the left and right joints jump to each other's places.`,
      });
      swappedFrom = -1;
    };
    for (let i = 1; i < n; i++) {
      if (f[i] - f[i - 1] > 1) {
        if (swappedFrom >= 0) close(f[i - 1] + 1);
        continue;
      }
      // A pair flips when each joint lands where its partner was much better than where it was
      // itself, and the move is not a jitter; two flipped pairs (a leg: knee and ankle) make a suspect.
      const size = per.size[i - 1];
      let flipped = 0;
      for (const [l, r] of skeleton.swapPairs) {
        if (!(ok(i, l) && ok(i, r) && ok(i - 1, l) && ok(i - 1, r))) continue;
        const straight = dist(i, l, i - 1, l) + dist(i, r, i - 1, r);
        const crossed = dist(i, l, i - 1, r) + dist(i, r, i - 1, l);
        if (straight / 2 >= 0.05 * size && crossed < o.swapRatio * straight) flipped++;
      }
      if (flipped < 2) continue;
      if (swappedFrom < 0) swappedFrom = f[i];
      else close(f[i]);
    }
    if (swappedFrom >= 0) close(f[n - 1] + 1);
  }

  return out;
}

const KIND_ORDER: Record<ProblemKind, number> = { gap: 0, swap: 1, jump: 2, 'low-confidence': 3 };

/** Problems of several tracks, sorted by first frame, then track, then kind. */
export function findProblems(
  tracks: readonly { trackId: number; segment: Segment }[],
  skeletonId: SkeletonId,
  options: ProblemOptions = {},
): Problem[] {
  return sortProblems(tracks.flatMap((t) => findTrackProblems(t.segment, t.trackId, skeletonId, options)));
}

export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort(
    (a, b) =>
      a.inFrame - b.inFrame ||
      a.trackId - b.trackId ||
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      a.outFrame - b.outFrame,
  );
}

/** The first problem starting after `frame` (direction 1) or the last starting before it (-1), or null. */
export function nextProblem(
  problems: readonly Problem[],
  frame: number,
  direction: 1 | -1 = 1,
): Problem | null {
  if (direction > 0) return problems.find((p) => p.inFrame > frame) ?? null;
  for (let i = problems.length - 1; i >= 0; i--) if (problems[i].inFrame < frame) return problems[i];
  return null;
}
