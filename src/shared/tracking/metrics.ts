/**
 * Tracking metrics: identity switches, MOT-style.
 */
import type { PoseTrack } from '../pose';
import { boxIou } from './geometry';
import { hungarian } from './hungarian';

export interface IdSwitchReport {
  /** Total identity switches over all ground-truth identities. */
  switches: number;
  /** Switches per ground-truth identity. */
  perIdentity: Map<number, number>;
  /** Ground-truth instances matched to a prediction. */
  matched: number;
  /** Ground-truth instances with no prediction (id -1, null or undefined). */
  missed: number;
}

/**
 * Counts identity switches (as in the CLEAR MOT metrics): for each ground-truth identity, the number
 * of times its matched predicted id differs from the one it was last matched to. Frames where the
 * identity is unmatched are skipped (a miss is not a switch; the id before and after it is
 * compared).
 *
 * `groundTruthIds[f][i]` is the i-th ground-truth identity in frame f and `predictedIds[f][i]` the
 * predicted id matched to it (-1, null or undefined when none). Both lists are frame-aligned.
 */
export function countIdSwitches(
  groundTruthIds: readonly (readonly number[])[],
  predictedIds: readonly (readonly (number | null | undefined)[])[],
): IdSwitchReport {
  if (groundTruthIds.length !== predictedIds.length) {
    throw new Error(
      `countIdSwitches: ${groundTruthIds.length} ground-truth frames, ${predictedIds.length} predicted`,
    );
  }
  const last = new Map<number, number>();
  const perIdentity = new Map<number, number>();
  let switches = 0;
  let matched = 0;
  let missed = 0;
  groundTruthIds.forEach((ids, f) => {
    const preds = predictedIds[f];
    ids.forEach((gt, i) => {
      if (!perIdentity.has(gt)) perIdentity.set(gt, 0);
      const p = preds[i];
      if (p === null || p === undefined || p < 0) {
        missed++;
        return;
      }
      matched++;
      const prev = last.get(gt);
      if (prev !== undefined && prev !== p) {
        switches++;
        perIdentity.set(gt, (perIdentity.get(gt) ?? 0) + 1);
      }
      last.set(gt, p);
    });
  });
  return { switches, perIdentity, matched, missed };
}

/**
 * Identity switches of predicted tracks against ground-truth tracks: per frame, ground-truth and
 * predicted boxes are matched one to one (Hungarian on 1 - IoU, pairs with IoU below `minIou`
 * refused), then `countIdSwitches` runs on the matches. Ground truth's `trackId` is its identity.
 */
export function idSwitchesFromTracks(
  groundTruth: readonly PoseTrack[],
  predicted: readonly PoseTrack[],
  minIou = 0.5,
): IdSwitchReport {
  type Inst = { id: number; box: Float32Array };
  const byFrame = (tracks: readonly PoseTrack[]) => {
    const m = new Map<number, Inst[]>();
    for (const t of tracks) {
      t.frames.forEach((f, i) => {
        const list = m.get(f) ?? [];
        list.push({ id: t.trackId, box: t.boxes.subarray(i * 4, i * 4 + 4) });
        m.set(f, list);
      });
    }
    return m;
  };
  const gt = byFrame(groundTruth);
  const pr = byFrame(predicted);
  const frames = [...gt.keys()].sort((a, b) => a - b);
  const gtIds: number[][] = [];
  const predIds: number[][] = [];
  for (const f of frames) {
    const g = gt.get(f) ?? [];
    const p = pr.get(f) ?? [];
    const cost = g.map((a) =>
      p.map((b) => {
        const iou = boxIou(a.box, b.box);
        return iou >= minIou ? 1 - iou : Infinity;
      }),
    );
    const { rowToCol } = hungarian(cost, p.length);
    gtIds.push(g.map((a) => a.id));
    predIds.push(g.map((_, i) => (rowToCol[i] >= 0 ? p[rowToCol[i]].id : -1)));
  }
  return countIdSwitches(gtIds, predIds);
}
