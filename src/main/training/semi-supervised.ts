/**
 * The semi-supervised losses of VideoPose3D (Pavllo et al. 2019, §4): unlabelled 2D tracks are
 * back-projected. For each unlabelled window the pose model predicts the root-relative 3D pose of
 * the middle frame and a trajectory model (the same temporal net with one output joint, fed the
 * screen-normalised 2D) predicts where the root is in camera space; their sum is projected with
 * the camera's intrinsics and compared with the observed 2D. Unlike VideoPose3D (four fixed
 * Human3.6M cameras), Kinema's cameras vary in focal length, so the trajectory model reads the 2D
 * in normalised camera coordinates ((u − cx) / fx, (v − cy) / fy), where depth is well defined. A bone-length term keeps the mean
 * bone lengths of the unlabelled predictions close to those of the labelled batch's predictions,
 * so the pose model cannot shrink or stretch the skeleton to please the projection. The trajectory
 * model is trained on the labelled windows by an MPJPE weighted by the inverse true depth
 * (1 / z: far subjects have larger, less informative trajectory errors).
 *
 * Losses and their gradients with respect to the two models' outputs are written out here (the
 * models' own backward passes take them from there, lifter-model.ts):
 *   projection: mean over windows and joints of ‖π(P) − p‖, P = pose + root, π the pinhole with
 *     radial distortion in screen-normalised units (dataset.ts normalizedIntrinsics), depth
 *     clamped at 0.1 m (no gradient below it);
 *   bone length: mean over bones of |mean_labelled(ℓ) − mean_unlabelled(ℓ)|, ℓ = ‖P_child − P_parent‖
 *     ('batch-mean', the paper's), or mean over unlabelled windows and bones of
 *     |ℓ − mean_labelled(ℓ)| ('per-window': every unlabelled skeleton, not only their average, must
 *     have plausible bones, so an unsure depth cannot be answered with a foreshortened limb);
 *   trajectory: mean over labelled windows of ‖root' − root‖ / z.
 */
import * as tf from '@tensorflow/tfjs-core';
import { H36M17_PARENTS } from '../../shared/skeletons/h36m17';

const MIN_DEPTH = 0.1;

/** Incidence matrix [bones, joints]: +1 at each bone's child joint, −1 at its parent. */
function incidence(parents: readonly number[]): tf.Tensor2D {
  const bones = parents.map((p, j) => [j, p] as const).filter(([, p]) => p >= 0);
  const data = new Float32Array(bones.length * parents.length);
  bones.forEach(([c, p], k) => {
    data[k * parents.length + c] = 1;
    data[k * parents.length + p] = -1;
  });
  return tf.tensor2d(data, [bones.length, parents.length]);
}

/** Bone vectors [B, bones, 3] of poses [B, joints·3], and the incidence matrix used. */
function boneVectors(pose: tf.Tensor2D, parents: readonly number[]): { vec: tf.Tensor3D; inc: tf.Tensor2D } {
  const B = pose.shape[0];
  const J = parents.length;
  const inc = incidence(parents);
  const K = inc.shape[0];
  // [B, J, 3] → [B, 3, J] → [B·3, J] · incᵀ [J, K] → [B·3, K] → [B, 3, K] → [B, K, 3]
  const pt = tf.reshape(tf.transpose(tf.reshape(pose, [B, J, 3]), [0, 2, 1]), [B * 3, J]);
  const vec = tf.transpose(tf.reshape(tf.matMul(pt, tf.transpose(inc)), [B, 3, K]), [0, 2, 1]) as tf.Tensor3D;
  return { vec, inc };
}

export interface SemiLossInputs {
  /** Pose model output for labelled then unlabelled windows, [Bl + Bu, joints·3]. */
  pose: tf.Tensor2D;
  /** Trajectory model output for the same windows, [Bl + Bu, 3] (camera-space root, metres). */
  traj: tf.Tensor2D;
  labelled: number;
  /** Labelled targets [Bl, joints·3] (root-relative) and roots [Bl, 3]. */
  target: tf.Tensor2D;
  root: tf.Tensor2D;
  /** Unlabelled observed 2D of the middle frame [Bu, joints·2] and intrinsics [Bu, 6]. */
  observed2d: tf.Tensor2D;
  intrinsics: tf.Tensor2D;
  weights: { projection: number; bone: number; trajectory: number };
  /** How the bone-length term compares unlabelled with labelled bones (default 'batch-mean'). */
  boneLength?: BoneLengthTerm;
  /** 'perspective' (the paper's, default) or 'aligned' (camera-free, see alignedProjection). */
  projectionMode?: ProjectionMode;
  parents?: readonly number[];
}

export type BoneLengthTerm = 'batch-mean' | 'per-window';
export type ProjectionMode = 'perspective' | 'aligned';

export interface SemiLossOutputs {
  /** Loss values (metres or screen-normalised units), as scalars. */
  supervised: tf.Scalar;
  trajectory: tf.Scalar;
  projection: tf.Scalar;
  bone: tf.Scalar;
  /** dL/d(pose) [Bl + Bu, joints·3] and dL/d(traj) [Bl + Bu, 3] of the weighted total. */
  dPose: tf.Tensor2D;
  dTraj: tf.Tensor2D;
}

/**
 * Total loss = supervised MPJPE (labelled) + w_t · trajectory + w_p · projection (unlabelled)
 * + w_b · bone length, and its gradients. Call inside tf.tidy.
 */
export function semiSupervisedLosses(i: SemiLossInputs): SemiLossOutputs {
  const parents = i.parents ?? H36M17_PARENTS;
  const J = parents.length;
  const Bl = i.labelled;
  const Bu = i.pose.shape[0] - Bl;
  if (Bl < 1 || Bu < 1) throw new Error('Semi-supervised loss needs labelled and unlabelled windows');
  const eps = 1e-12;
  const poseL = tf.slice(i.pose, [0, 0], [Bl, -1]) as tf.Tensor2D;
  const poseU = tf.slice(i.pose, [Bl, 0], [Bu, -1]) as tf.Tensor2D;
  const trajL = tf.slice(i.traj, [0, 0], [Bl, -1]) as tf.Tensor2D;
  const trajU = tf.slice(i.traj, [Bl, 0], [Bu, -1]) as tf.Tensor2D;

  // Supervised MPJPE on the labelled windows.
  const e = tf.reshape(tf.sub(poseL, i.target), [Bl, J, 3]);
  const n = tf.sqrt(tf.add(tf.sum(tf.square(e), -1, true), eps));
  const supervised = tf.mean(n) as tf.Scalar;
  const dPoseL = tf.reshape(tf.div(e, tf.mul(n, Bl * J)), [Bl, J * 3]);

  // Trajectory: ‖root' − root‖ / z, labelled.
  const et = tf.sub(trajL, i.root);
  const nt = tf.sqrt(tf.add(tf.sum(tf.square(et), -1, true), eps));
  const w = tf.div(1, tf.maximum(tf.slice(i.root, [0, 2], [Bl, 1]), MIN_DEPTH));
  const trajectory = tf.mean(tf.mul(w, nt)) as tf.Scalar;
  const dTrajL = tf.mul(tf.div(tf.mul(w, et), nt), i.weights.trajectory / Bl);

  // Projection of the unlabelled predictions.
  const { projection, dPoseU, dTrajU } =
    (i.projectionMode ?? 'perspective') === 'perspective'
      ? perspectiveProjection(poseU, trajU, i.observed2d, i.intrinsics, i.weights.projection, J)
      : alignedProjection(poseU, i.observed2d, i.weights.projection, J);

  // Bone lengths: labelled vs unlabelled means.
  const { vec, inc } = boneVectors(i.pose, parents);
  const K = inc.shape[0];
  const len = tf.sqrt(tf.add(tf.sum(tf.square(vec), -1), eps)); // [B, K]
  const meanL = tf.mean(tf.slice(len, [0, 0], [Bl, K]), 0);
  let bone: tf.Scalar;
  let dLen: tf.Tensor;
  if ((i.boneLength ?? 'batch-mean') === 'batch-mean') {
    const meanU = tf.mean(tf.slice(len, [Bl, 0], [Bu, K]), 0);
    bone = tf.mean(tf.abs(tf.sub(meanL, meanU))) as tf.Scalar;
    const s = tf.mul(tf.sign(tf.sub(meanL, meanU)), i.weights.bone / K); // [K]
    dLen = tf.concat(
      [
        tf.tile(tf.reshape(tf.div(s, Bl), [1, K]), [Bl, 1]),
        tf.tile(tf.reshape(tf.div(tf.neg(s), Bu), [1, K]), [Bu, 1]),
      ],
      0,
    );
  } else {
    const diff = tf.sub(tf.slice(len, [Bl, 0], [Bu, K]), meanL); // [Bu, K]
    bone = tf.mean(tf.abs(diff)) as tf.Scalar;
    const sU = tf.mul(tf.sign(diff), i.weights.bone / (Bu * K));
    const sL = tf.div(tf.neg(tf.sum(sU, 0, true)), Bl); // [1, K]: through the labelled mean
    dLen = tf.concat([tf.tile(sL, [Bl, 1]), sU], 0);
  }
  const dVec = tf.mul(tf.reshape(dLen, [Bl + Bu, K, 1]), tf.div(vec, tf.reshape(len, [Bl + Bu, K, 1])));
  // back to joints: [B, K, 3] → [B, 3, K] → [B·3, K] · inc [K, J] → [B, 3, J] → [B, J, 3]
  const dBone = tf.reshape(
    tf.transpose(
      tf.reshape(tf.matMul(tf.reshape(tf.transpose(dVec, [0, 2, 1]), [(Bl + Bu) * 3, K]), inc), [
        Bl + Bu,
        3,
        J,
      ]),
      [0, 2, 1],
    ),
    [Bl + Bu, J * 3],
  );

  const dPose = tf.add(tf.concat([dPoseL, dPoseU], 0), dBone) as tf.Tensor2D;
  const dTraj = tf.concat([dTrajL, dTrajU], 0) as tf.Tensor2D;
  return { supervised, trajectory, projection, bone, dPose, dTraj };
}

/**
 * Supervised loss of the trajectory model alone (labelled windows, warm-up): ‖root' − root‖ / z
 * and its gradient. Call inside tf.tidy.
 */
export function trajectoryLoss(
  traj: tf.Tensor2D,
  root: tf.Tensor2D,
): { loss: tf.Scalar; dTraj: tf.Tensor2D } {
  const B = traj.shape[0];
  const et = tf.sub(traj, root);
  const nt = tf.sqrt(tf.add(tf.sum(tf.square(et), -1, true), 1e-12));
  const w = tf.div(1, tf.maximum(tf.slice(root, [0, 2], [B, 1]), MIN_DEPTH));
  return {
    loss: tf.mean(tf.mul(w, nt)) as tf.Scalar,
    dTraj: tf.div(tf.mul(w, et), tf.mul(nt, B)) as tf.Tensor2D,
  };
}

/** Pinhole back-projection of pose + root (the paper's), and its gradients. */
function perspectiveProjection(
  poseU: tf.Tensor2D,
  trajU: tf.Tensor2D,
  observed2d: tf.Tensor2D,
  intrinsics: tf.Tensor2D,
  weight: number,
  J: number,
): { projection: tf.Scalar; dPoseU: tf.Tensor2D; dTrajU: tf.Tensor2D } {
  const Bu = poseU.shape[0];
  const eps = 1e-12;
  const P = tf.add(tf.reshape(poseU, [Bu, J, 3]), tf.reshape(trajU, [Bu, 1, 3]));
  const X = tf.slice(P, [0, 0, 0], [Bu, J, 1]);
  const Y = tf.slice(P, [0, 0, 1], [Bu, J, 1]);
  const Z = tf.slice(P, [0, 0, 2], [Bu, J, 1]);
  const Zc = tf.maximum(Z, MIN_DEPTH);
  const zPass = tf.step(tf.sub(Z, MIN_DEPTH));
  const k = (c: number): tf.Tensor => tf.reshape(tf.slice(intrinsics, [0, c], [Bu, 1]), [Bu, 1, 1]);
  const [fx, fy, cx, cy, k1, k2] = [0, 1, 2, 3, 4, 5].map(k);
  const x = tf.div(X, Zc);
  const y = tf.div(Y, Zc);
  const r2 = tf.add(tf.square(x), tf.square(y));
  const d = tf.add(1, tf.add(tf.mul(k1, r2), tf.mul(k2, tf.square(r2))));
  const dd = tf.add(k1, tf.mul(tf.mul(k2, 2), r2)); // ∂d/∂r²
  const u = tf.add(tf.mul(tf.mul(fx, d), x), cx);
  const v = tf.add(tf.mul(tf.mul(fy, d), y), cy);
  const obs = tf.reshape(observed2d, [Bu, J, 2]);
  const eu = tf.sub(u, tf.slice(obs, [0, 0, 0], [Bu, J, 1]));
  const ev = tf.sub(v, tf.slice(obs, [0, 0, 1], [Bu, J, 1]));
  const np = tf.sqrt(tf.add(tf.add(tf.square(eu), tf.square(ev)), eps));
  const projection = tf.mean(np) as tf.Scalar;
  const scale = weight / (Bu * J);
  const Lu = tf.mul(tf.div(eu, np), scale);
  const Lv = tf.mul(tf.div(ev, np), scale);
  const xy2dd = tf.mul(tf.mul(tf.mul(x, y), 2), dd);
  const gx = tf.add(
    tf.mul(tf.mul(Lu, fx), tf.add(d, tf.mul(tf.mul(tf.square(x), 2), dd))),
    tf.mul(tf.mul(Lv, fy), xy2dd),
  );
  const gy = tf.add(
    tf.mul(tf.mul(Lu, fx), xy2dd),
    tf.mul(tf.mul(Lv, fy), tf.add(d, tf.mul(tf.mul(tf.square(y), 2), dd))),
  );
  const dX = tf.div(gx, Zc);
  const dY = tf.div(gy, Zc);
  const dZ = tf.mul(tf.neg(tf.div(tf.add(tf.mul(gx, x), tf.mul(gy, y)), Zc)), zPass);
  const dP = tf.concat([dX, dY, dZ], 2); // [Bu, J, 3]
  const dPoseU = tf.reshape(dP, [Bu, J * 3]);
  const dTrajU = tf.sum(dP, 1);
  return { projection, dPoseU: dPoseU as tf.Tensor2D, dTrajU: dTrajU as tf.Tensor2D };
}

/**
 * Camera-free back-projection for footage without intrinsics: the pose's x, y (orthographic) are
 * scaled and shifted onto the observed 2D by least squares, per window (s = ⟨A, b⟩ / ⟨A, A⟩ with A,
 * b the joint-centred predicted and observed points), and the residual ‖s·A − b‖ is the loss. Neither
 * the root nor the focal length enters, so an untrained trajectory model or a wrong focal length
 * cannot bend the pose; the depth comes from the bone-length term and the mocap. Gradient:
 * with g = ∂L/∂r, ∂L/∂A = (⟨g, A⟩ / ⟨A, A⟩)(b − 2sA) + s·g, centred over the joints.
 */
function alignedProjection(
  poseU: tf.Tensor2D,
  observed2d: tf.Tensor2D,
  weight: number,
  J: number,
): { projection: tf.Scalar; dPoseU: tf.Tensor2D; dTrajU: tf.Tensor2D } {
  const Bu = poseU.shape[0];
  const eps = 1e-12;
  const P = tf.reshape(poseU, [Bu, J, 3]);
  const xy = tf.slice(P, [0, 0, 0], [Bu, J, 2]);
  const A = tf.sub(xy, tf.mean(xy, 1, true));
  const obs = tf.reshape(observed2d, [Bu, J, 2]);
  const b = tf.sub(obs, tf.mean(obs, 1, true));
  const AA = tf.add(tf.sum(tf.square(A), [1, 2], true), eps); // [Bu, 1, 1]
  const sc = tf.div(tf.sum(tf.mul(A, b), [1, 2], true), AA);
  const r = tf.sub(tf.mul(sc, A), b);
  const nr = tf.sqrt(tf.add(tf.sum(tf.square(r), -1, true), eps)); // [Bu, J, 1]
  const projection = tf.mean(nr) as tf.Scalar;
  const g = tf.mul(tf.div(r, nr), weight / (Bu * J));
  const gA = tf.div(tf.sum(tf.mul(g, A), [1, 2], true), AA);
  const G = tf.add(tf.mul(gA, tf.sub(b, tf.mul(tf.mul(sc, 2), A))), tf.mul(sc, g));
  const dXY = tf.sub(G, tf.mean(G, 1, true));
  const dPoseU = tf.reshape(tf.concat([dXY, tf.zeros([Bu, J, 1])], 2), [Bu, J * 3]) as tf.Tensor2D;
  return { projection, dPoseU, dTrajU: tf.zeros([Bu, 3]) };
}
