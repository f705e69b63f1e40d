/**
 * How well a student's embeddings agree with its teacher's on the same frames (unit vectors,
 * rows of `dim`):
 *   - meanCosine: the per-frame cosine between student and teacher, averaged;
 *   - distanceCorrelation: Pearson's r between the pairwise distances of the frames in the
 *     student's space and in the teacher's (every pair, or `maxPairs` drawn at random) — the
 *     structure of the embedding, which is what retrieval and alignment use;
 *   - nnAgreement: the share of frames whose nearest neighbour in the student's space is among
 *     its `k` nearest in the teacher's (`chance` = k / candidates for a random guess). Frames of
 *     the same video within `excludeFrames` of each other are not candidates, so a near copy of
 *     the frame itself does not count as a match.
 */
import { Rng } from '../../../shared/lifting/rng';

export interface AgreementOptions {
  k?: number;
  excludeFrames?: number;
  maxPairs?: number;
  seed?: number;
}

export interface Agreement {
  frames: number;
  meanCosine: number;
  distanceCorrelation: number;
  nnAgreement: number;
  chance: number;
}

function dist(a: Float32Array, i: number, j: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const x = a[i * dim + d] - a[j * dim + d];
    s += x * x;
  }
  return Math.sqrt(s);
}

export function embeddingAgreement(
  student: Float32Array,
  teacher: Float32Array,
  dim: number,
  where: { video: ArrayLike<number>; frame: ArrayLike<number> },
  o: AgreementOptions = {},
): Agreement {
  const n = teacher.length / dim;
  if (student.length !== teacher.length) throw new Error('embeddingAgreement: different frame counts');
  const k = o.k ?? 5;
  const exclude = o.excludeFrames ?? 15;
  let cos = 0;
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += student[i * dim + d] * teacher[i * dim + d];
    cos += dot;
  }
  // Pearson's r of pairwise distances.
  const pairs = (n * (n - 1)) / 2;
  const maxPairs = o.maxPairs ?? 200_000;
  const rng = new Rng(o.seed ?? 1);
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let m = 0;
  const add = (i: number, j: number) => {
    const x = dist(student, i, j, dim);
    const y = dist(teacher, i, j, dim);
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
    m++;
  };
  if (pairs <= maxPairs) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) add(i, j);
  } else {
    for (let p = 0; p < maxPairs; p++) {
      const i = rng.int(n);
      let j = rng.int(n - 1);
      if (j >= i) j++;
      add(i, j);
    }
  }
  const cov = sxy / m - (sx / m) * (sy / m);
  const vx = sxx / m - (sx / m) ** 2;
  const vy = syy / m - (sy / m) ** 2;
  const distanceCorrelation = vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : NaN;
  // Nearest-neighbour agreement.
  let agree = 0;
  let asked = 0;
  let chance = 0;
  const td = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestD = Infinity;
    const candidates: number[] = [];
    for (let j = 0; j < n; j++) {
      if (
        j === i ||
        (where.video[j] === where.video[i] && Math.abs(where.frame[j] - where.frame[i]) <= exclude)
      )
        continue;
      candidates.push(j);
      td[j] = dist(teacher, i, j, dim);
      const ds = dist(student, i, j, dim);
      if (ds < bestD) {
        bestD = ds;
        best = j;
      }
    }
    if (candidates.length <= k) continue;
    candidates.sort((a, b) => td[a] - td[b]);
    if (candidates.slice(0, k).includes(best)) agree++;
    chance += k / candidates.length;
    asked++;
  }
  return {
    frames: n,
    meanCosine: cos / n,
    distanceCorrelation,
    nnAgreement: asked ? agree / asked : NaN,
    chance: asked ? chance / asked : NaN,
  };
}
