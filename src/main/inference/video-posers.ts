/**
 * Video posers: one interface over every way Kinema finds people's poses frame by frame, so the
 * detect job has one decode → pose → commit loop whatever the model.
 *
 *  model (task)                      | one athlete ('single')            | everyone ('multi')
 *  ----------------------------------|-----------------------------------|-------------------------------
 *  MoveNet Lightning/Thunder         | crop from the previous frame      | CenterNet boxes + crops + tracker
 *  BlazePose (pose2d-blazepose)      | detector ROI, landmark tracking   | —  (single-person by design)
 *  MoveNet MultiPose (pose2d-multi)  | —  (use 'multi')                  | one run per frame + tracker
 *  user top-down model (byo)         | CenterNet box, then own keypoints | CenterNet boxes + crops + tracker
 *
 * A poser returns frame poses in decoded-frame pixels, each with a track id (always 0 for a single
 * athlete) and whether the track is confirmed; it owns its ORT sessions.
 */
import * as ort from 'onnxruntime-node';
import { boxFromKeypoints, meanKeypointScore } from '../../shared/pose';
import { COCO17_JOINTS, getSkeleton, mapPose, type SkeletonId } from '../../shared/skeletons';
import { PoseTracker, type Detection, type TrackAssignment } from '../../shared/tracking';
import { KinemaError } from '../../shared/errors';
import { BlazePoseTracker } from './blazepose-video';
import { BLAZEPOSE_FULL_OUTPUTS } from './blazepose';
import { detectPeople } from './centernet';
import { loadByoModel, type ByoModel } from './byo';
import type { PeopleMode } from '../../shared/contract';
import { getDetectorPath, isByoModel, requirePeopleMode, type ModelEntry } from './models';
import {
  MIN_CROP_KEYPOINT_SCORE,
  MoveNetCropRunner,
  CropTracker,
  cropResize,
  fullFrameRegion,
  keypointsFromOutput,
  type CropPoseRunner,
  type CropRegion,
} from './movenet-video';
import { BOX_PAD, MultiPersonEstimator } from './multi-person';
import { createSession, type ModelSession } from './session';

export interface PosedPerson {
  trackId: number;
  /** False while the tracker has not yet seen the track long enough to keep it. */
  confirmed: boolean;
  /** K × 3: x, y in decoded-frame pixels, score. */
  keypoints: Float32Array;
  /** x, y, w, h in decoded-frame pixels. */
  box: Float32Array;
  score: number;
}

export interface PoserStats {
  /** Totals: pose-model milliseconds and runs, crop milliseconds, person-detector milliseconds and runs. */
  modelMs: number;
  cropMs: number;
  inferences: number;
  detectorMs: number;
  detectorRuns: number;
}

export interface VideoPoser {
  /** Skeleton of the keypoints it returns (what the run is stored as). */
  readonly skeletonId: SkeletonId;
  /** The poses of `frame` (strictly increasing across calls). */
  estimate(frame: number, rgb: Uint8Array): Promise<PosedPerson[]>;
  /** Track ids still held (a tentative track not among them was dropped as noise). */
  liveTrackIds(frame: number): Set<number>;
  stats(): PoserStats;
  release(): Promise<void>;
}

export interface PoserOptions {
  people: PeopleMode;
  /** Size of the decoded frames it is given. */
  width: number;
  height: number;
  /** ORT threads per session. */
  threads: number;
  /** Poses whose mean keypoint score is below this are not returned. */
  minPoseScore: number;
}

/** Opens the sessions a model needs for this people mode; refuses a mode the model cannot do. */
export async function openPoser(model: ModelEntry, o: PoserOptions): Promise<VideoPoser> {
  requirePeopleMode(model, o.people);
  const sessions: ModelSession[] = [];
  const open = async (path: string) => {
    const s = await createSession(path, { threads: o.threads });
    sessions.push(s);
    return s;
  };
  const closeAll = async () => {
    await Promise.all(sessions.map((s) => s.release()));
  };
  try {
    if (isByoModel(model)) {
      const byo = await loadByoModel(model.descriptorPath as string, { threads: o.threads });
      sessions.push(byo.session);
      const detector = await open(getDetectorPath('centernet'));
      if (o.people === 'multi') requireCocoPrefix(byo.descriptor.skeletonId, model.id);
      return o.people === 'single'
        ? byoSinglePoser(byo, detector, o, closeAll)
        : multiPoser(
            new ByoCropRunner(byo, o.width, o.height),
            byo.descriptor.skeletonId,
            detector,
            o,
            closeAll,
          );
    }
    if (model.task === 'pose2d-blazepose') {
      const landmarks = await open(model.path);
      const detector = await open(getDetectorPath('blazepose-detector'));
      return blazePosePoser(landmarks, detector, o, closeAll);
    }
    if (model.task === 'pose2d-multi') return multiPosePoser(model, await open(model.path), o, closeAll);
    const session = await open(model.path);
    const runner = new MoveNetCropRunner({ session, ...model, width: o.width, height: o.height });
    if (o.people === 'multi')
      return multiPoser(runner, 'coco17', await open(getDetectorPath('centernet')), o, closeAll);
    return moveNetSinglePoser(runner, o, closeAll);
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Multi-person crops are placed from hips and shoulders: the keypoints must start with COCO-17's. */
function requireCocoPrefix(skeletonId: string, modelId: string): void {
  const joints = getSkeleton(skeletonId).joints;
  if (!COCO17_JOINTS.every((name, j) => joints[j] === name))
    throw new KinemaError(
      'MODEL_NOT_SUPPORTED',
      `Model "${modelId}" outputs ${skeletonId} keypoints; following everyone needs models whose first 17 keypoints are COCO-17's (coco17, coco17-feet, halpe26). Choose "one athlete" with it.`,
    );
}

const noDetector = { detectorMs: 0, detectorRuns: 0 };

/** The one athlete's pose as track 0, or nothing when it scores too low. */
function single(kp: Float32Array, minPoseScore: number, score = meanKeypointScore(kp)): PosedPerson[] {
  if (!(score >= minPoseScore)) return [];
  return [
    {
      trackId: 0,
      confirmed: true,
      keypoints: kp,
      box: Float32Array.from(boxFromKeypoints(kp, MIN_CROP_KEYPOINT_SCORE)),
      score,
    },
  ];
}

function moveNetSinglePoser(
  runner: MoveNetCropRunner,
  o: PoserOptions,
  release: () => Promise<void>,
): VideoPoser {
  const tracker = new CropTracker({ runner, width: o.width, height: o.height });
  return {
    skeletonId: 'coco17',
    estimate: async (_frame, rgb) => single(await tracker.estimate(rgb, o.minPoseScore), o.minPoseScore),
    liveTrackIds: () => new Set([0]),
    stats: () => ({
      modelMs: runner.modelMs,
      cropMs: runner.cropMs,
      inferences: runner.inferences,
      ...noDetector,
    }),
    release,
  };
}

/** BlazePose's 33 points, stored as COCO-17 + feet (heels and big toes; no small toe). */
function blazePosePoser(
  landmarks: ModelSession,
  detector: ModelSession,
  o: PoserOptions,
  release: () => Promise<void>,
): VideoPoser {
  const tracker = new BlazePoseTracker({
    landmarks,
    detector,
    landmarksInput: landmarks.session.inputNames[0],
    detectorInput: detector.session.inputNames[0],
    landmarksOutput: BLAZEPOSE_FULL_OUTPUTS.landmarks,
    poseflagOutput: BLAZEPOSE_FULL_OUTPUTS.poseflag,
    detectorOutput: detector.session.outputNames[0],
    width: o.width,
    height: o.height,
  });
  return {
    skeletonId: 'coco17-feet',
    async estimate(_frame, rgb) {
      const { keypoints } = await tracker.estimate(rgb);
      if (!keypoints) return [];
      const kp = mapPose(keypoints, 'blazepose33', 'coco17-feet');
      // The pose's score is the body's (COCO-17) mean: the missing small toes would drag it down.
      return single(kp, o.minPoseScore, meanKeypointScore(kp.subarray(0, 17 * 3)));
    },
    liveTrackIds: () => new Set([0]),
    stats: () => ({
      modelMs: tracker.modelMs,
      cropMs: tracker.cropMs,
      inferences: tracker.inferences,
      detectorMs: tracker.detectorMs,
      detectorRuns: tracker.detectorRuns,
    }),
    release,
  };
}

/** Everyone: person boxes from CenterNet, each person's crop through `runner`, PoseTracker ids. */
function multiPoser(
  runner: CropPoseRunner,
  skeletonId: string,
  detector: ModelSession,
  o: PoserOptions,
  release: () => Promise<void>,
): VideoPoser {
  const sk = getSkeleton(skeletonId);
  const estimator = new MultiPersonEstimator({
    runner,
    skeletonId: sk.id,
    detector,
    width: o.width,
    height: o.height,
    minPoseScore: o.minPoseScore,
  });
  return {
    skeletonId: sk.id,
    async estimate(frame, rgb) {
      const { detections, assignments } = await estimator.estimate(frame, rgb);
      return people(detections, assignments);
    },
    liveTrackIds: (frame) => estimator.liveTrackIds(frame),
    stats: () => ({
      modelMs: runner.modelMs,
      cropMs: runner.cropMs,
      inferences: runner.inferences,
      detectorMs: estimator.detectorMs,
      detectorRuns: estimator.detectorRuns,
    }),
    release,
  };
}

function people(detections: Detection[], assignments: TrackAssignment[]): PosedPerson[] {
  const out: PosedPerson[] = [];
  detections.forEach((d, i) => {
    const { trackId, confirmed } = assignments[i];
    if (trackId < 0) return;
    out.push({
      trackId,
      confirmed,
      keypoints: Float32Array.from(d.keypoints),
      box: Float32Array.from(d.box),
      score: d.score,
    });
  });
  return out;
}

/** MultiPose's people: [1, 6, 56] = 17 × (y, x, score), box (ymin, xmin, ymax, xmax), score. */
export const MULTIPOSE_PEOPLE = 6;
const MULTIPOSE_ROW = 56;
/** MultiPose's input side: the frame is letterboxed to a square this size (a multiple of 32). */
export const MULTIPOSE_INPUT = 256;

/** Everyone with MoveNet MultiPose: one run per frame on the letterboxed frame, PoseTracker ids. */
function multiPosePoser(
  model: ModelEntry,
  session: ModelSession,
  o: PoserOptions,
  release: () => Promise<void>,
): VideoPoser {
  const S = MULTIPOSE_INPUT;
  const input = new Int32Array(S * S * 3);
  const tensor = new ort.Tensor('int32', input, [1, S, S, 3]);
  const region: CropRegion = fullFrameRegion(o.width, o.height);
  const tracker = new PoseTracker({ skeletonId: 'coco17' });
  const stats: PoserStats = { modelMs: 0, cropMs: 0, inferences: 0, ...noDetector };
  return {
    skeletonId: 'coco17',
    async estimate(frame, rgb) {
      const t0 = performance.now();
      cropResize(rgb, o.width, o.height, region, S, input);
      const t1 = performance.now();
      const out = (await session.run({ [model.inputName]: tensor }))[model.outputName].data as Float32Array;
      stats.cropMs += t1 - t0;
      stats.modelMs += performance.now() - t1;
      stats.inferences++;
      const detections: Detection[] = [];
      for (let p = 0; p < MULTIPOSE_PEOPLE; p++) {
        const row = out.subarray(p * MULTIPOSE_ROW, (p + 1) * MULTIPOSE_ROW);
        const kp = new Float32Array(17 * 3);
        keypointsFromOutput(row.subarray(0, 51), region, kp);
        const score = meanKeypointScore(kp);
        if (!(score >= o.minPoseScore)) continue;
        detections.push({ keypoints: kp, box: boxFromKeypoints(kp, MIN_CROP_KEYPOINT_SCORE), score });
      }
      return people(detections, tracker.update(frame, detections));
    },
    liveTrackIds: (frame) => new Set(tracker.predictions(frame).map((p) => p.trackId)),
    stats: () => ({ ...stats }),
    release,
  };
}

/**
 * A user's top-down model as a crop runner. The square crop regions the multi-person estimator
 * makes are padded boxes (BOX_PAD), and the model pads its box by its own descriptor padding, so
 * the region is shrunk back to the box it came from.
 */
class ByoCropRunner implements CropPoseRunner {
  modelMs = 0;
  cropMs = 0;
  inferences = 0;
  constructor(
    private readonly byo: ByoModel,
    private readonly width: number,
    private readonly height: number,
  ) {}

  async run(rgb: Uint8Array, region: CropRegion): Promise<Float32Array> {
    const half = region.size / 2 / BOX_PAD;
    const cx = region.x + region.size / 2;
    const cy = region.y + region.size / 2;
    const t = performance.now();
    const kp = await this.byo.estimate(rgb, this.width, this.height, [
      cx - half,
      cy - half,
      cx + half,
      cy + half,
    ]);
    this.modelMs += performance.now() - t; // crop and resize included: the model does both
    this.inferences++;
    return kp;
  }
}

/**
 * One athlete with a user's top-down model: CenterNet's most confident person box starts the
 * track, then each frame's box is the previous frame's keypoint box (the model pads it); the
 * detector runs again when the pose is lost.
 */
function byoSinglePoser(
  byo: ByoModel,
  detector: ModelSession,
  o: PoserOptions,
  release: () => Promise<void>,
): VideoPoser {
  let box: [number, number, number, number] | null = null;
  const stats: PoserStats = { modelMs: 0, cropMs: 0, inferences: 0, ...noDetector };
  const run = async (rgb: Uint8Array, b: readonly [number, number, number, number]) => {
    const t = performance.now();
    const kp = await byo.estimate(rgb, o.width, o.height, b);
    stats.modelMs += performance.now() - t;
    stats.inferences++;
    return kp;
  };
  const detect = async (rgb: Uint8Array) => {
    const t = performance.now();
    const found = await detectPeople(detector, rgb, o.width, o.height, { minScore: 0.3 });
    stats.detectorMs += performance.now() - t;
    stats.detectorRuns++;
    const best = found.sort((a, b) => b.score - a.score)[0];
    return best
      ? ([best.box[0], best.box[1], best.box[0] + best.box[2], best.box[1] + best.box[3]] as const)
      : null;
  };
  return {
    skeletonId: getSkeleton(byo.descriptor.skeletonId).id,
    async estimate(_frame, rgb) {
      const tracked = box !== null;
      let b = box ?? (await detect(rgb));
      if (!b) return [];
      let kp = await run(rgb, b);
      if (tracked && meanKeypointScore(kp) < o.minPoseScore) {
        b = await detect(rgb);
        if (!b) {
          box = null;
          return [];
        }
        kp = await run(rgb, b);
      }
      const found = single(kp, o.minPoseScore);
      box = found.length
        ? [
            found[0].box[0],
            found[0].box[1],
            found[0].box[0] + found[0].box[2],
            found[0].box[1] + found[0].box[3],
          ]
        : null;
      return found;
    },
    liveTrackIds: () => new Set([0]),
    stats: () => ({ ...stats }),
    release,
  };
}
