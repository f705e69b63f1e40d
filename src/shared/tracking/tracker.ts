/**
 * Online multi-person pose tracker: detections come in frame by frame, each gets a stable track id.
 *
 * Per track, a constant-velocity model predicts the pose and box at the next frame: the box centre
 * and size move with their smoothed velocities, and each keypoint moves with the body (box-centre)
 * velocity plus its own relative velocity (limb swing), the latter applied for at most
 * `limbHorizon` frames so a long occlusion does not fling a swinging ankle away.
 *
 * Association, per frame, in two stages, each solved with the Hungarian algorithm:
 *  1. tracks seen at the previous update vs all detections;
 *  2. tracks lost for a while (up to `maxMissed` frames) vs the detections left over, with the
 *     keypoint tolerance widened by `gateGrowth` per missed frame (re-identification near the
 *     predicted position).
 * The similarity of a pair is `iouWeight · IoU(box) + (1 - iouWeight) · OKS(pose)` against the
 * prediction (IoU alone when no keypoint is seen in both); a pair below the gate is never matched,
 * and the cost is 1 - similarity. Detections left over with a score of at least `minNewScore` start
 * tentative tracks; a track is confirmed once it has `minHits` frames, a tentative one is forgotten
 * after `maxTentativeMissed` missed frames, and `finish()` drops every track shorter than `minHits`
 * frames as noise.
 */
import { buildTrack, type PoseRow, type PoseTrack } from '../pose';
import { getSkeleton, type SkeletonId } from '../skeletons';
import { boxIou, oks, oksSigmas } from './geometry';
import { hungarian } from './hungarian';

export interface Detection {
  /** K × 3: x, y in pixels, score. */
  keypoints: ArrayLike<number>;
  /** x, y, w, h in pixels. */
  box: ArrayLike<number>;
  /** Detection score in [0, 1]. */
  score: number;
}

export interface TrackerOptions {
  skeletonId?: SkeletonId;
  /** Frames a confirmed track may go unseen and still be re-identified. Default 30. */
  maxMissed?: number;
  /** Frames a tentative (unconfirmed) track may go unseen before it is forgotten. Default 2. */
  maxTentativeMissed?: number;
  /** Minimum detection score to start a new track. Default 0.5. */
  minNewScore?: number;
  /** Frames a track needs to be confirmed; shorter tracks are dropped as noise. Default 5. */
  minHits?: number;
  /** Keypoints below this score are ignored by OKS and by the motion model. Default 0.3. */
  minKeypointScore?: number;
  /** Weight of box IoU in the similarity; OKS gets the rest. Default 0.3. */
  iouWeight?: number;
  /** Gate: minimum similarity for a track seen at the previous update. Default 0.2. */
  minSimilarity?: number;
  /** Gate: minimum similarity to re-identify a lost track. Default 0.2. */
  minLostSimilarity?: number;
  /** OKS tolerance grows by this fraction per missed frame for lost tracks. Default 0.1. */
  gateGrowth?: number;
  /** Weight of the newest velocity measurement (exponential smoothing). Default 0.5. */
  velocitySmoothing?: number;
  /** Frames over which a keypoint's own (relative) velocity is extrapolated. Default 2. */
  limbHorizon?: number;
  /** Frames after its last sighting that a keypoint still counts for matching. Default 5. */
  keypointHold?: number;
}

export interface TrackAssignment {
  /** The track id of this detection, or -1 when it was not matched and too weak to start a track. */
  trackId: number;
  /** Whether the track has reached `minHits` frames. */
  confirmed: boolean;
}

/** The predicted state of a live track (for overlays and debugging). */
export interface TrackPrediction {
  trackId: number;
  confirmed: boolean;
  lastFrame: number;
  keypoints: Float32Array;
  box: Float32Array;
}

type Required_ = Required<TrackerOptions>;

const DEFAULTS: Required_ = {
  skeletonId: 'coco17',
  maxMissed: 30,
  maxTentativeMissed: 2,
  minNewScore: 0.5,
  minHits: 5,
  minKeypointScore: 0.3,
  iouWeight: 0.3,
  minSimilarity: 0.2,
  minLostSimilarity: 0.2,
  gateGrowth: 0.1,
  velocitySmoothing: 0.5,
  limbHorizon: 2,
  keypointHold: 5,
};

interface TrackState {
  id: number;
  rows: PoseRow[];
  hits: number;
  lastFrame: number;
  /** Estimated keypoint positions at lastFrame (K × 2). */
  kp: Float64Array;
  /** Last frame each keypoint was seen. */
  kpSeen: Float64Array;
  /** Keypoint velocity relative to the body (K × 2, px/frame). */
  kpVel: Float64Array;
  /** cx, cy, w, h at lastFrame. */
  box: Float64Array;
  /** Velocity of cx, cy, w, h (px/frame). */
  boxVel: Float64Array;
}

function toCenter(box: ArrayLike<number>): Float64Array {
  return Float64Array.of(box[0] + box[2] / 2, box[1] + box[3] / 2, box[2], box[3]);
}

export class PoseTracker {
  readonly options: Required_;
  private readonly k: number;
  private readonly sigmas: Float64Array;
  private live: TrackState[] = [];
  private ended: TrackState[] = [];
  private nextId = 0;
  private prevFrame = -Infinity;
  private finished = false;

  constructor(options: TrackerOptions = {}) {
    this.options = { ...DEFAULTS, ...stripUndefined(options) };
    this.k = getSkeleton(this.options.skeletonId).joints.length;
    this.sigmas = oksSigmas(this.options.skeletonId);
  }

  /** Predicted keypoints (K × 3, score = 1 where the joint counts, else 0) and x, y, w, h box. */
  private predict(t: TrackState, frame: number): { kp: Float32Array; box: Float32Array } {
    const o = this.options;
    const dt = frame - t.lastFrame;
    const limbDt = Math.min(dt, o.limbHorizon);
    const sizeDt = Math.min(dt, o.limbHorizon);
    const cx = t.box[0] + t.boxVel[0] * dt;
    const cy = t.box[1] + t.boxVel[1] * dt;
    const w = Math.max(t.box[2] + t.boxVel[2] * sizeDt, t.box[2] * 0.5);
    const h = Math.max(t.box[3] + t.boxVel[3] * sizeDt, t.box[3] * 0.5);
    const box = Float32Array.of(cx - w / 2, cy - h / 2, w, h);
    const kp = new Float32Array(this.k * 3);
    for (let j = 0; j < this.k; j++) {
      kp[j * 3] = t.kp[j * 2] + t.boxVel[0] * dt + t.kpVel[j * 2] * limbDt;
      kp[j * 3 + 1] = t.kp[j * 2 + 1] + t.boxVel[1] * dt + t.kpVel[j * 2 + 1] * limbDt;
      kp[j * 3 + 2] = t.lastFrame - t.kpSeen[j] <= o.keypointHold ? 1 : 0;
    }
    return { kp, box };
  }

  private similarity(
    pred: { kp: Float32Array; box: Float32Array },
    det: Detection,
    tolerance: number,
  ): number {
    const o = this.options;
    const iou = boxIou(pred.box, det.box);
    const area = Math.max(pred.box[2] * pred.box[3], det.box[2] * det.box[3]);
    // The prediction's joint flags are 0/1; a detection joint counts from minKeypointScore.
    const s = oks(pred.kp, det.keypoints, this.sigmas, area, {
      minScore: Math.max(o.minKeypointScore, 1e-6),
      toleranceScale: tolerance,
    });
    if (Number.isNaN(s)) return iou;
    return o.iouWeight * iou + (1 - o.iouWeight) * s;
  }

  private match(
    tracks: TrackState[],
    dets: readonly Detection[],
    detIdx: number[],
    frame: number,
    lost: boolean,
  ): [TrackState, number][] {
    if (!tracks.length || !detIdx.length) return [];
    const o = this.options;
    const gate = lost ? o.minLostSimilarity : o.minSimilarity;
    const cost = tracks.map((t) => {
      const pred = this.predict(t, frame);
      const missed = Math.max(0, frame - t.lastFrame - 1);
      const tolerance = lost ? 1 + o.gateGrowth * missed : 1;
      return detIdx.map((d) => {
        const sim = this.similarity(pred, dets[d], tolerance);
        return sim >= gate ? 1 - sim : Infinity;
      });
    });
    const { rowToCol } = hungarian(cost, detIdx.length);
    const pairs: [TrackState, number][] = [];
    tracks.forEach((t, r) => {
      if (rowToCol[r] >= 0) pairs.push([t, detIdx[rowToCol[r]]]);
    });
    return pairs;
  }

  private observe(t: TrackState, det: Detection, frame: number): void {
    const o = this.options;
    const dt = frame - t.lastFrame;
    const a = t.hits <= 1 ? 1 : o.velocitySmoothing;
    const pred = this.predict(t, frame);
    const box = toCenter(det.box);
    // Body velocity: the mean displacement of the joints seen now and at the last frame (much less
    // noisy than the box, whose edges are single joints); the box centre's when none is common.
    let sx = 0;
    let sy = 0;
    let common = 0;
    for (let j = 0; j < this.k; j++) {
      if (det.keypoints[j * 3 + 2] >= o.minKeypointScore && t.kpSeen[j] === t.lastFrame) {
        sx += det.keypoints[j * 3] - t.kp[j * 2];
        sy += det.keypoints[j * 3 + 1] - t.kp[j * 2 + 1];
        common++;
      }
    }
    const bodyV = common
      ? [sx / common / dt, sy / common / dt]
      : [(box[0] - t.box[0]) / dt, (box[1] - t.box[1]) / dt];
    for (let c = 0; c < 4; c++) {
      const inst = c < 2 ? bodyV[c] : (box[c] - t.box[c]) / dt;
      t.boxVel[c] = a * inst + (1 - a) * t.boxVel[c];
    }
    for (let j = 0; j < this.k; j++) {
      const seen = det.keypoints[j * 3 + 2] >= o.minKeypointScore;
      if (!seen) {
        // Not seen: carried along by the prediction.
        t.kp[j * 2] = pred.kp[j * 3];
        t.kp[j * 2 + 1] = pred.kp[j * 3 + 1];
        continue;
      }
      const x = det.keypoints[j * 3];
      const y = det.keypoints[j * 3 + 1];
      if (dt === 1 && t.kpSeen[j] === t.lastFrame) {
        for (let c = 0; c < 2; c++) {
          const rel = ((c ? y : x) - t.kp[j * 2 + c]) / dt - bodyV[c];
          t.kpVel[j * 2 + c] = a * rel + (1 - a) * t.kpVel[j * 2 + c];
        }
      } else {
        t.kpVel[j * 2] = 0;
        t.kpVel[j * 2 + 1] = 0;
      }
      t.kp[j * 2] = x;
      t.kp[j * 2 + 1] = y;
      t.kpSeen[j] = frame;
    }
    t.box.set(box);
    t.lastFrame = frame;
    t.hits++;
    t.rows.push(row(det, frame));
  }

  private spawn(det: Detection, frame: number): TrackState {
    const o = this.options;
    const t: TrackState = {
      id: this.nextId++,
      rows: [row(det, frame)],
      hits: 1,
      lastFrame: frame,
      kp: new Float64Array(this.k * 2),
      kpSeen: new Float64Array(this.k).fill(-Infinity),
      kpVel: new Float64Array(this.k * 2),
      box: toCenter(det.box),
      boxVel: new Float64Array(4),
    };
    for (let j = 0; j < this.k; j++) {
      t.kp[j * 2] = det.keypoints[j * 3];
      t.kp[j * 2 + 1] = det.keypoints[j * 3 + 1];
      if (det.keypoints[j * 3 + 2] >= o.minKeypointScore) t.kpSeen[j] = frame;
    }
    // Joints never seen start at the box centre so they move with the body.
    for (let j = 0; j < this.k; j++) {
      if (t.kpSeen[j] === -Infinity) {
        t.kp[j * 2] = t.box[0];
        t.kp[j * 2 + 1] = t.box[1];
      }
    }
    return t;
  }

  /**
   * Processes the detections of `frame` (strictly increasing across calls; frames with no
   * detections should still be passed, with an empty list) and returns each detection's track.
   */
  update(frame: number, detections: readonly Detection[]): TrackAssignment[] {
    if (this.finished) throw new Error('PoseTracker: update() after finish()');
    if (!(frame > this.prevFrame))
      throw new Error(`PoseTracker: frame ${frame} is not after ${this.prevFrame}`);
    const o = this.options;
    for (const d of detections) {
      if (d.keypoints.length !== this.k * 3) {
        throw new Error(`PoseTracker: detection has ${d.keypoints.length / 3} keypoints, expected ${this.k}`);
      }
    }
    // Retire tracks lost for too long.
    const keep: TrackState[] = [];
    for (const t of this.live) {
      const missed = frame - t.lastFrame - 1;
      const confirmed = t.hits >= o.minHits;
      if (confirmed ? missed > o.maxMissed : missed > o.maxTentativeMissed) {
        if (confirmed) this.ended.push(t);
      } else keep.push(t);
    }
    this.live = keep;

    const result: TrackAssignment[] = detections.map(() => ({ trackId: -1, confirmed: false }));
    const matched = new Map<number, TrackState>();
    const active = this.live.filter((t) => t.lastFrame === this.prevFrame);
    const lost = this.live.filter((t) => t.lastFrame !== this.prevFrame);
    let free = detections.map((_, i) => i);
    for (const [stage, tracks] of [
      [false, active],
      [true, lost],
    ] as const) {
      for (const [t, d] of this.match(tracks, detections, free, frame, stage)) matched.set(d, t);
      free = free.filter((d) => !matched.has(d));
    }
    for (const [d, t] of matched) this.observe(t, detections[d], frame);
    for (const d of free) {
      if (detections[d].score < o.minNewScore) continue;
      const t = this.spawn(detections[d], frame);
      this.live.push(t);
      matched.set(d, t);
    }
    for (const [d, t] of matched) result[d] = { trackId: t.id, confirmed: t.hits >= o.minHits };
    this.prevFrame = frame;
    return result;
  }

  /** Where each live track is expected at `frame`. */
  predictions(frame: number): TrackPrediction[] {
    return this.live.map((t) => {
      const p = this.predict(t, frame);
      return {
        trackId: t.id,
        confirmed: t.hits >= this.options.minHits,
        lastFrame: t.lastFrame,
        keypoints: p.kp,
        box: p.box,
      };
    });
  }

  /** Ends tracking: every track with at least `minHits` frames, by id, frames with gaps. */
  finish(): PoseTrack[] {
    this.finished = true;
    const all = [...this.ended, ...this.live].filter((t) => t.hits >= this.options.minHits);
    this.live = [];
    this.ended = [];
    all.sort((a, b) => a.id - b.id);
    return all.map((t) => buildTrack(t.id, this.options.skeletonId, t.rows));
  }
}

function row(det: Detection, frame: number): PoseRow {
  return {
    frame,
    keypoints: Float32Array.from(det.keypoints),
    box: Float32Array.from(det.box),
    score: det.score,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Runs a tracker over a whole sequence (`frames[i]` holds the detections of frame `i`). */
export function trackSequence(
  frames: readonly (readonly Detection[])[],
  options: TrackerOptions = {},
): { tracks: PoseTrack[]; assignments: TrackAssignment[][] } {
  const tracker = new PoseTracker(options);
  const assignments = frames.map((dets, f) => tracker.update(f, dets));
  return { tracks: tracker.finish(), assignments };
}
