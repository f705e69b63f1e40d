/**
 * The view-invariance objective of VIPE*: B anchor poses seen by one camera and the SAME poses
 * (same mocap frame) seen by another camera, both embedded on the unit sphere. Each anchor must be
 * more similar to its own positive than to every other pose of the batch (and symmetrically each
 * positive to its anchor): a symmetric InfoNCE (softmax cross-entropy over cosine similarities
 * divided by a temperature τ). Pr-VIPE/VPD learn the same thing with a triplet ratio loss on pairs
 * whose 3D poses are within a P-MPJPE margin; with the in-batch softmax every other pose is a
 * negative at once. Poses too alike in 3D to be told apart (`valid[i·B + j] = 0`) are left out of
 * the denominators, so near-duplicates (neighbouring frames, a held pose) are never pushed apart.
 *
 * The gradient is written out (the model's backward pass takes it): with p = softmax over row i,
 * dL/dsᵢⱼ = (pᵢⱼ − [i = j]) / (2B), s = a·bᵀ/τ.
 */

export interface ViewLossResult {
  loss: number;
  gradAnchors: Float32Array;
  gradPositives: Float32Array;
  /** Share of anchors whose most similar valid candidate is their own positive. */
  top1: number;
}

export function viewContrastiveLoss(
  anchors: Float32Array,
  positives: Float32Array,
  batch: number,
  dim: number,
  valid: Uint8Array,
  temperature: number,
): ViewLossResult {
  const B = batch;
  const E = dim;
  if (anchors.length !== B * E || positives.length !== B * E)
    throw new Error(`view loss: expected ${B} × ${E} anchors and positives`);
  if (valid.length !== B * B) throw new Error(`view loss: the mask is not ${B} × ${B}`);
  const s = new Float64Array(B * B);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) {
      let d = 0;
      for (let e = 0; e < E; e++) d += anchors[i * E + e] * positives[j * E + e];
      s[i * B + j] = d / temperature;
    }
  const dS = new Float64Array(B * B);
  let loss = 0;
  let hits = 0;
  const scale = 1 / (2 * B);
  // Rows (anchor → positives) then columns (positive → anchors).
  for (const byRow of [true, false]) {
    for (let i = 0; i < B; i++) {
      const at = (j: number) => (byRow ? i * B + j : j * B + i);
      const ok = (j: number) => j === i || valid[byRow ? i * B + j : j * B + i] === 1;
      let max = -Infinity;
      let arg = -1;
      for (let j = 0; j < B; j++)
        if (ok(j) && s[at(j)] > max) {
          max = s[at(j)];
          arg = j;
        }
      let z = 0;
      for (let j = 0; j < B; j++) if (ok(j)) z += Math.exp(s[at(j)] - max);
      loss += (Math.log(z) + max - s[at(i)]) * scale;
      if (byRow && arg === i) hits++;
      for (let j = 0; j < B; j++) {
        if (!ok(j)) continue;
        const p = Math.exp(s[at(j)] - max) / z;
        dS[at(j)] += (p - (j === i ? 1 : 0)) * scale;
      }
    }
  }
  const gradAnchors = new Float32Array(B * E);
  const gradPositives = new Float32Array(B * E);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) {
      const g = dS[i * B + j] / temperature;
      if (g === 0) continue;
      for (let e = 0; e < E; e++) {
        gradAnchors[i * E + e] += g * positives[j * E + e];
        gradPositives[j * E + e] += g * anchors[i * E + e];
      }
    }
  return { loss, gradAnchors, gradPositives, top1: hits / B };
}
