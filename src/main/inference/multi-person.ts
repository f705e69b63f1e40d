/**
 * Multi-person MoveNet on video, top-down: CenterNet finds person boxes every `detectEvery` frames
 * (and sooner when fewer people were posed in the previous frame than the last detection found);
 * in between, each person the tracker followed recently is cropped around where it is expected
 * (MoveNet's crop from its predicted keypoints, or its predicted box, padded). MoveNet Lightning
 * runs on each square crop (the single-person crop/resize code), the keypoints are mapped back to
 * the frame, duplicates (two crops that converged on one person) are dropped, and the frame's
 * poses go to a PoseTracker, which gives each a track id.
 *
 * Coordinates are pixels of the decoded frame (`width` × `height`); callers scale them.
 */
import { boxFromKeypoints, meanKeypointScore } from '../../shared/pose';
import {
  PoseTracker,
  boxIou,
  oks,
  oksSigmas,
  type Detection,
  type TrackAssignment,
  type TrackerOptions,
} from '../../shared/tracking';
import { detectPeople, type RunsOnnx } from './centernet';
import type { SkeletonId } from '../../shared/skeletons';
import {
  MIN_CROP_KEYPOINT_SCORE,
  type CropPoseRunner,
  fullFrameRegion,
  nextCropRegion,
  type CropRegion,
} from './movenet-video';

/** Run the person detector at least every this many frames (default). */
export const DETECT_EVERY = 10;
/** Re-detect early (people missing) at most this often. */
const REDETECT_GAP = 3;
/** A track unseen for up to this many frames is still cropped where it is expected. */
const LOST_CROP_FRAMES = 15;
/** A detector box overlapping an expected person this much is that person (no extra crop). */
const KNOWN_BOX_IOU = 0.3;
/** Two poses this similar (OKS) are one person seen twice. */
const DUPLICATE_OKS = 0.5;
/** Box padding of a crop taken from a detector or predicted box. */
export const BOX_PAD = 1.25;

export interface MultiPersonOptions {
  /**
   * Runs the pose model on each crop (MoveNetCropRunner, or a user's top-down model). Its
   * keypoints' first 17 must be COCO-17 (crops are placed from hips and shoulders); `skeletonId`
   * names the whole set (default 'coco17').
   */
  runner: CropPoseRunner;
  skeletonId?: SkeletonId;
  /** CenterNet session. */
  detector: RunsOnnx;
  width: number;
  height: number;
  /** Poses whose mean keypoint score is below this are dropped (default MIN_CROP_KEYPOINT_SCORE). */
  minPoseScore?: number;
  detectEvery?: number;
  /** Minimum CenterNet person score (default 0.3). */
  minPersonScore?: number;
  tracker?: TrackerOptions;
}

export interface FramePoses {
  /** Poses found in the frame (keypoints K × 3 and box x, y, w, h in decoded-frame pixels). */
  detections: Detection[];
  /** The tracker's answer for each detection. */
  assignments: TrackAssignment[];
}

/** A square crop around an x, y, w, h box, padded. */
export function regionFromBox(box: ArrayLike<number>, pad = BOX_PAD): CropRegion {
  const half = (Math.max(box[2], box[3]) / 2) * pad;
  const cx = box[0] + box[2] / 2;
  const cy = box[1] + box[3] / 2;
  return { x: cx - half, y: cy - half, size: half * 2 };
}

function regionIou(a: CropRegion, b: CropRegion): number {
  return boxIou([a.x, a.y, a.size, a.size], [b.x, b.y, b.size, b.size]);
}

export class MultiPersonEstimator {
  readonly tracker: PoseTracker;
  private readonly runner: CropPoseRunner;
  private readonly sigmas: Float64Array;
  private lastDetectFrame = -Infinity;
  /** People posed at the last detector frame. */
  private lastPeople = 0;
  private prevFrame = -Infinity;
  private prevCount = 0;
  detectorMs = 0;
  detectorRuns = 0;

  constructor(private readonly o: MultiPersonOptions) {
    const skeletonId = o.skeletonId ?? 'coco17';
    this.tracker = new PoseTracker({ skeletonId, ...o.tracker });
    this.runner = o.runner;
    this.sigmas = oksSigmas(skeletonId);
  }

  /** Milliseconds spent in the pose model (ORT run) so far. */
  get modelMs(): number {
    return this.runner.modelMs;
  }

  /** Milliseconds spent cropping and resizing so far. */
  get cropMs(): number {
    return this.runner.cropMs;
  }

  /** Pose-model runs so far. */
  get inferences(): number {
    return this.runner.inferences;
  }

  private runIn(rgb: Uint8Array, region: CropRegion): Promise<Float32Array> {
    return this.runner.run(rgb, region);
  }

  /** The poses of `frame` (strictly increasing across calls) with their track ids. */
  async estimate(frame: number, rgb: Uint8Array): Promise<FramePoses> {
    const { width, height } = this.o;
    const minPoseScore = this.o.minPoseScore ?? MIN_CROP_KEYPOINT_SCORE;
    const full = fullFrameRegion(width, height);
    const expected = this.tracker.predictions(frame).filter((p) => frame - p.lastFrame <= LOST_CROP_FRAMES);
    const regions: CropRegion[] = expected.map((p) => {
      const r = nextCropRegion(p.keypoints, width, height);
      const isFull = r.x === full.x && r.y === full.y && r.size === full.size;
      return isFull ? regionFromBox(p.box) : r;
    });
    const sinceDetect = frame - this.lastDetectFrame;
    const seenBefore = this.prevFrame === frame - 1 ? this.prevCount : 0;
    const due =
      sinceDetect >= (this.o.detectEvery ?? DETECT_EVERY) ||
      (seenBefore < this.lastPeople && sinceDetect >= REDETECT_GAP) ||
      (expected.length === 0 && sinceDetect >= REDETECT_GAP);
    if (due) {
      const t = performance.now();
      const people = await detectPeople(this.o.detector, rgb, width, height, {
        minScore: this.o.minPersonScore ?? 0.3,
      });
      this.detectorMs += performance.now() - t;
      this.detectorRuns++;
      this.lastDetectFrame = frame;
      for (const person of people) {
        if (expected.some((p) => boxIou(p.box, person.box) >= KNOWN_BOX_IOU)) continue;
        regions.push(regionFromBox(person.box));
      }
    }
    // Crops that are nearly the same region would find the same person: run one.
    const unique: CropRegion[] = [];
    for (const r of regions) if (!unique.some((u) => regionIou(u, r) > 0.8)) unique.push(r);

    const found: Detection[] = [];
    for (const region of unique) {
      const kp = await this.runIn(rgb, region);
      const score = meanKeypointScore(kp);
      if (score < minPoseScore) continue;
      found.push({ keypoints: kp, box: boxFromKeypoints(kp, MIN_CROP_KEYPOINT_SCORE), score });
    }
    // Two crops that converged on one person: keep the better pose.
    found.sort((a, b) => b.score - a.score);
    const detections: Detection[] = [];
    for (const d of found) {
      const dup = detections.some((k) => {
        const area = Math.max(k.box[2] * k.box[3], d.box[2] * d.box[3]);
        return oks(k.keypoints, d.keypoints, this.sigmas, area) > DUPLICATE_OKS;
      });
      if (!dup) detections.push(d);
    }
    const assignments = this.tracker.update(frame, detections);
    if (due) this.lastPeople = detections.length;
    this.prevFrame = frame;
    this.prevCount = detections.length;
    return { detections, assignments };
  }

  /** Track ids the tracker still holds (confirmed or tentative). */
  liveTrackIds(frame: number): Set<number> {
    return new Set(this.tracker.predictions(frame).map((p) => p.trackId));
  }
}
