/**
 * A TEST FIXTURE standing in for the VIPE* teacher until it lands: a pose embedding computed from
 * the track alone — the keypoints centred on the mid-hip, scaled by the torso length, projected to
 * `dim` values by a fixed random matrix (seeded). It is a function of the 2D pose only, as VIPE*
 * is, so a student that learns it from pixels has learnt to see the pose; it is NOT view-invariant
 * and not a model anyone should use for analysis.
 */
import { Rng } from '../../src/shared/lifting/rng';
import type { PoseTrack } from '../../src/shared/pose';
import type { PoseTeacher, TeacherSeries } from '../../src/main/training/student/data';

const J = { lShoulder: 5, rShoulder: 6, lHip: 11, rHip: 12 };

export function projectionTeacher(dim = 16, seed = 3, joints = 17): PoseTeacher {
  const rng = new Rng(seed);
  const proj = Float32Array.from({ length: joints * 2 * dim }, () => rng.normal());
  return {
    source: 'fixture:projection',
    dim,
    embedTrack(track: PoseTrack): TeacherSeries {
      const first = track.frames[0];
      const rows = track.frames[track.frames.length - 1] - first + 1;
      const values = new Float32Array(rows * dim).fill(NaN);
      const K = joints;
      track.frames.forEach((frame, i) => {
        const kp = track.keypoints.subarray(i * K * 3, (i + 1) * K * 3);
        const at = (j: number) => [kp[j * 3], kp[j * 3 + 1]];
        const [hx, hy] = [(at(J.lHip)[0] + at(J.rHip)[0]) / 2, (at(J.lHip)[1] + at(J.rHip)[1]) / 2];
        const [sx, sy] = [
          (at(J.lShoulder)[0] + at(J.rShoulder)[0]) / 2,
          (at(J.lShoulder)[1] + at(J.rShoulder)[1]) / 2,
        ];
        const torso = Math.hypot(sx - hx, sy - hy);
        if (!(torso > 1)) return;
        for (let d = 0; d < dim; d++) {
          let v = 0;
          for (let j = 0; j < K; j++) {
            v += ((kp[j * 3] - hx) / torso) * proj[j * 2 * dim + d];
            v += ((kp[j * 3 + 1] - hy) / torso) * proj[(j * 2 + 1) * dim + d];
          }
          values[(frame - first) * dim + d] = v;
        }
      });
      return { firstFrame: first, dim, values };
    },
  };
}
