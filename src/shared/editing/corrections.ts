/**
 * Corrections in or out: an edit run's tracks as the model gave them. Every keypoint whose
 * provenance is not 'model' gets its model value back (kept in `originals`, which travels with
 * its frame through splits, merges and reassignments); keypoints the model never gave (a person
 * added by box, frames filled by interpolation or by a model re-run) are left out, and frames left
 * with none are dropped. Frames deleted in the editor stay deleted: the source run, never changed,
 * still has them. Track ids are the edited ones.
 */
import { PROVENANCE_MASK } from './provenance';
import { emptySegment, filterSegment, type Segment } from './segment';

/** The model-only version of a segment (provenance all 'model', no flags). */
export function withoutCorrections(s: Segment, k: number): Segment {
  const n = s.frames.length;
  const out = emptySegment(n, k);
  out.frames.set(s.frames);
  out.boxes.set(s.boxes);
  out.scores.set(s.scores);
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const q = i * k + j;
      const o = q * 3;
      if ((s.provenance[q] & PROVENANCE_MASK) === 0) {
        out.keypoints.set(s.keypoints.subarray(o, o + 3), o);
        keep[i] = 1;
      } else if (!Number.isNaN(s.originals[o])) {
        out.keypoints.set(s.originals.subarray(o, o + 3), o);
        keep[i] = 1;
      }
      // else: no model value; stays (0, 0, 0), absent.
    }
  }
  return filterSegment(out, k, (i) => keep[i] === 1);
}
