/**
 * Generated student data: S × S grey images of a bright bar (a "limb") at a known angle and place
 * on a noisy background, with a flow field of the bar rotating, and a teacher embedding that is a
 * fixed function of the bar's angle and place. Learning it needs the picture, not just statistics.
 */
import { Rng } from '../../../src/shared/lifting/rng';
import { splitRecords, type StudentDataset } from '../../../src/main/training/student/dataset';
import { frameBytes, type StudentInputSpec } from '../../../src/main/training/student/data';

export const SYNTH_DIM = 8;

export function syntheticDataset(count: number, cropSize = 32, seed = 5): StudentDataset {
  const spec: StudentInputSpec = { cropSize, appearance: 'grey', mask: false };
  const S = cropSize;
  const per = frameBytes(spec);
  const rng = new Rng(seed);
  const proj = Float32Array.from({ length: 4 * SYNTH_DIM }, () => rng.normal());
  const data = new Uint8Array(count * per);
  const teacher = new Float32Array(count * SYNTH_DIM);
  const video = new Uint16Array(count);
  const frame = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const angle = rng.uniform(0, Math.PI);
    const cx = rng.uniform(0.35, 0.65) * S;
    const cy = rng.uniform(0.35, 0.65) * S;
    const spin = rng.uniform(-0.2, 0.2);
    const ux = Math.cos(angle);
    const uy = Math.sin(angle);
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const along = dx * ux + dy * uy;
        const across = -dx * uy + dy * ux;
        const onBar = Math.abs(across) < 2 && Math.abs(along) < 0.4 * S;
        const o = k * per + (y * S + x) * 3;
        data[o] = Math.max(0, Math.min(255, (onBar ? 210 : 60) + Math.round(rng.normal() * 12)));
        // Rotation about the centre: v = spin × r, in 0.1 px steps around 128.
        data[o + 1] = onBar ? Math.round(128 - spin * dy * 10) : 128;
        data[o + 2] = onBar ? Math.round(128 + spin * dx * 10) : 128;
      }
    const features = [Math.cos(2 * angle), Math.sin(2 * angle), (cx / S - 0.5) * 4, (cy / S - 0.5) * 4];
    let sq = 0;
    for (let d = 0; d < SYNTH_DIM; d++) {
      let v = 0;
      for (let f = 0; f < 4; f++) v += features[f] * proj[f * SYNTH_DIM + d];
      teacher[k * SYNTH_DIM + d] = v;
      sq += v * v;
    }
    for (let d = 0; d < SYNTH_DIM; d++) teacher[k * SYNTH_DIM + d] /= Math.sqrt(sq);
    frame[k] = k;
  }
  const { train, validation } = splitRecords(video, frame, 1, { blockFrames: 10, every: 5, guardFrames: 0 });
  return { spec, dim: SYNTH_DIM, count, data, teacher, video, frame, train, validation };
}
