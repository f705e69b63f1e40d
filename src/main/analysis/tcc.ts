/**
 * TCC in the project (issue 6): which poses a clip stands for, checking a training request before
 * its job is queued, trained encoders as alignment features (stored per-clip embeddings when they
 * are current, else the encoder's ONNX run on the poses and the result stored), the 2D map of
 * several clips' embeddings, and Kendall's tau of clip pairs.
 *
 * A clip's poses are those the Align view picks for it: the video's newest pose run, its longest
 * track, over the clip's frame range. An embedding series is current when it was made by the same
 * stored model from the same poses: its params keep a fingerprint of the frames and keypoints.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Clip, RequestInput, RequestOutput } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { tccModelName, TCC_DEFAULT_FEATURES, TCC_TRAIN_DEFAULTS } from '../../shared/contract-tcc';
import {
  alignTracks,
  type Feature2dKind,
  type FeatureSequence,
  tsne,
  type TsneOptions,
  type TsneResult,
} from '../../shared/alignment';
import { trackRange, type PoseTrack } from '../../shared/pose';
import { getSkeleton, mapPose, type SkeletonId } from '../../shared/skeletons';
import type { TrainedModelInfo } from '../../shared/series';
import type { Db } from '../db/connection';
import * as clipsDb from '../db/clips';
import * as jobsDb from '../db/jobs';
import * as posesDb from '../db/poses';
import * as seriesDb from '../db/series';
import { posesFingerprint } from '../db/series';
import { getVideo } from '../db/videos';
import { builtPaths } from '../paths';
import { TccEmbedder } from '../training/tcc/embed';
import { checkFramesPerSequence } from '../training/tcc/loss';
import type { TrainTccClip, TrainTccParams } from '../jobs/kinds/train-tcc';
import type { AlignRequest } from './alignment';
import { liftedSequences } from './lifted-features';

/** Source of a model's embedding series. */
export const tccSource = (name: string): string => `tcc:${name}`;

export function clipName(clip: Clip): string {
  return clip.label.trim() || `Clip ${clip.id}`;
}

export interface ClipPoses {
  clip: Clip;
  name: string;
  fileName: string;
  fps: number;
  runId: number;
  trackId: number;
  /** The track over the clip's range (at least one pose). */
  track: PoseTrack;
  /** Frames from the first to the last pose of the range. */
  rows: number;
}

/** "Serve 1" (clip 3, serve.mp4 frames 45–89). */
function describeClip(clip: Clip, fileName: string): string {
  return `"${clipName(clip)}" (clip ${clip.id}, ${fileName} frames ${clip.inFrame}–${clip.outFrame - 1})`;
}

/** The poses a clip stands for (newest run of its video, longest track, the clip's range). */
export function clipPoses(db: Db, clip: Clip): ClipPoses {
  const video = getVideo(db, clip.videoId);
  const runs = posesDb.listRuns(db, clip.videoId);
  const noPoses = () =>
    new KinemaError(
      'NO_POSES',
      `Clip ${describeClip(clip, video.fileName)} has no poses: run Detect poses on it first.`,
    );
  const run = runs[0];
  if (!run) throw noPoses();
  const best = run.tracks.reduce<(typeof run.tracks)[number] | undefined>(
    (a, t) => (!a || t.frameCount > a.frameCount ? t : a),
    undefined,
  );
  if (!best) throw noPoses();
  const { tracks } = posesDb.loadRunTracks(db, run.id);
  const full = tracks.find((t) => t.trackId === best.trackId)!;
  const track = trackRange(full, clip.inFrame, clip.outFrame);
  if (track.frames.length === 0) throw noPoses();
  return {
    clip,
    name: clipName(clip),
    fileName: video.fileName,
    fps: video.fps,
    runId: run.id,
    trackId: best.trackId,
    track,
    rows: track.frames[track.frames.length - 1] - track.frames[0] + 1,
  };
}

/** Every clip with this label (trimmed, case ignored); refuses an unknown label, naming the known ones. */
export function clipsWithLabel(db: Db, label: string): Clip[] {
  const want = label.trim().toLowerCase();
  const all = clipsDb.listClips(db);
  const clips = all.filter((c) => c.label.trim().toLowerCase() === want);
  if (clips.length === 0) {
    const labels = [...new Set(all.map((c) => c.label.trim()).filter(Boolean))];
    throw new KinemaError(
      'NOT_FOUND',
      `No clip is labelled "${label.trim()}"${labels.length ? ` (labels: ${labels.map((l) => `"${l}"`).join(', ')})` : ' (no clip has a label yet)'}.`,
    );
  }
  return clips;
}

// ---- training -------------------------------------------------------------------------------------

export type TccTrainInput = RequestInput<'tcc.train'>;

/**
 * Checks a training request against the project — the clips exist and have poses, none is a single
 * frame, their skeletons agree, the frames sampled stay below the shortest clip, the name is free —
 * and returns the job's parameters. Throws a KinemaError saying what to change; nothing is written.
 */
export function prepareTccTraining(db: Db, input: TccTrainInput): { params: TrainTccParams; title: string } {
  const name = input.name.trim();
  const existing = seriesDb.listTrainedModels(db, 'tcc').find((m) => m.name === name);
  if (existing && !input.replace)
    throw new KinemaError(
      'EXISTS',
      `A TCC model named "${name}" already exists: choose another name or replace it.`,
    );
  const busy = jobsDb
    .listJobs(db)
    .some(
      (j) =>
        j.kind === 'train-tcc' &&
        (j.state === 'queued' || j.state === 'running') &&
        (j.params as { name?: string }).name === name,
    );
  if (busy) throw new KinemaError('BUSY', `A TCC model named "${name}" is being trained already.`);

  const clips =
    input.label !== undefined
      ? clipsWithLabel(db, input.label)
      : [...new Set(input.clipIds ?? [])].map((id) => clipsDb.getClip(db, id));
  if (clips.length < 2)
    throw new KinemaError(
      'TOO_FEW_CLIPS',
      input.label !== undefined
        ? `TCC training needs at least 2 clips of the same motion; only ${clips.length} clip is labelled "${input.label.trim()}". Label more clips of this motion.`
        : 'TCC training needs at least 2 different clips of the same motion.',
    );
  const sides = clips.map((c) => clipPoses(db, c));
  for (const s of sides) {
    if (s.rows < 2)
      throw new KinemaError(
        'ONE_FRAME_CLIP',
        `Clip ${describeClip(s.clip, s.fileName)} has a pose in one frame only: TCC learns from sequences. Lengthen the clip or leave it out.`,
      );
  }
  // One skeleton for every clip: the most common, others converted when a mapping exists.
  const counts = new Map<SkeletonId, number>();
  for (const s of sides) counts.set(s.track.skeletonId, (counts.get(s.track.skeletonId) ?? 0) + 1);
  const skeletonId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  for (const s of sides) {
    if (s.track.skeletonId === skeletonId) continue;
    try {
      mapPose(
        s.track.keypoints.subarray(0, getSkeleton(s.track.skeletonId).joints.length * 3),
        s.track.skeletonId,
        skeletonId,
      );
    } catch {
      throw new KinemaError(
        'SKELETON_MISMATCH',
        `Clip ${describeClip(s.clip, s.fileName)} has ${getSkeleton(s.track.skeletonId).name} poses, which cannot be converted to the ${getSkeleton(skeletonId).name} poses of the other clips. Detect its poses with the same model, or leave it out.`,
      );
    }
  }
  const steps = input.steps ?? TCC_TRAIN_DEFAULTS.steps;
  const batchSize = input.batchSize ?? TCC_TRAIN_DEFAULTS.batchSize;
  const framesPerSequence = input.framesPerSequence ?? TCC_TRAIN_DEFAULTS.framesPerSequence;
  const shortest = sides.reduce((a, s) => (s.rows < a.rows ? s : a));
  if (shortest.rows <= framesPerSequence)
    throw new KinemaError(
      'CLIP_TOO_SHORT',
      `Clip ${describeClip(shortest.clip, shortest.fileName)} is ${shortest.rows} frames long, but training samples ${framesPerSequence} frames per clip, which must stay below the shortest clip's length: lower the frames sampled to at most ${shortest.rows - 1}, or leave that clip out.`,
    );
  checkFramesPerSequence(
    sides.map((s) => ({ name: s.name, frames: s.rows })),
    framesPerSequence,
  );
  const features: Feature2dKind[] = [...(input.features ?? TCC_DEFAULT_FEATURES)];
  const trainClips: TrainTccClip[] = sides.map((s) => {
    const keypoints =
      s.track.skeletonId === skeletonId ? s.track.keypoints : mapTrackKeypoints(s.track, skeletonId);
    return {
      clipId: s.clip.id,
      name: s.name,
      videoId: s.clip.videoId,
      runId: s.runId,
      trackId: s.trackId,
      inFrame: s.clip.inFrame,
      outFrame: s.clip.outFrame,
      sourceSkeletonId: s.track.skeletonId,
      posesHash: posesFingerprint(s.track),
      frames: Array.from(s.track.frames),
      keypoints: Array.from(keypoints),
    };
  });
  const label = input.label?.trim() ?? commonLabel(clips);
  const params: TrainTccParams = {
    name,
    label,
    replace: input.replace ?? false,
    steps,
    batchSize,
    framesPerSequence,
    loss: input.loss ?? TCC_TRAIN_DEFAULTS.loss,
    features,
    skeletonId,
    fps: sides[0].fps,
    clips: trainClips,
  };
  return {
    params,
    title: `Train TCC "${name}" on ${clips.length} clips${label ? ` of "${label}"` : ''}`,
  };
}

function commonLabel(clips: Clip[]): string {
  const labels = new Set(clips.map((c) => c.label.trim()));
  return labels.size === 1 ? [...labels][0] : '';
}

function mapTrackKeypoints(track: PoseTrack, to: SkeletonId): Float32Array {
  const k = getSkeleton(track.skeletonId).joints.length * 3;
  const k2 = getSkeleton(to).joints.length * 3;
  const out = new Float32Array(track.frames.length * k2);
  for (let i = 0; i < track.frames.length; i++)
    out.set(mapPose(track.keypoints.subarray(i * k, (i + 1) * k), track.skeletonId, to), i * k2);
  return out;
}

// ---- trained encoders as features ----------------------------------------------------------------

export type StoredModel = TrainedModelInfo & { onnx: Uint8Array };

export function findTccModel(db: Db, name: string): StoredModel {
  return seriesDb.findTrainedModel(db, 'tcc', name);
}

/** Opens an encoder once per request, on first use. */
class EmbedderPool {
  private readonly open = new Map<number, Promise<TccEmbedder>>();
  get(model: StoredModel): Promise<TccEmbedder> {
    let e = this.open.get(model.id);
    if (!e) {
      e = TccEmbedder.load(model.onnx);
      this.open.set(model.id, e);
    }
    return e;
  }
  async release(): Promise<void> {
    for (const e of this.open.values()) await (await e.catch(() => null))?.release();
    this.open.clear();
  }
}

interface SideRange {
  runId: number;
  trackId: number;
  inFrame?: number;
  outFrame?: number;
}

/**
 * The model's embeddings of a track range, one row per video frame from its first to its last
 * pose (NaN where absent): the stored series when current, else computed and stored.
 * `onStored(videoId)` is called after a new series was written.
 */
async function embeddingOf(
  db: Db,
  model: StoredModel,
  pool: EmbedderPool,
  side: SideRange,
  what: string,
  onStored: (videoId: number) => void,
): Promise<FeatureSequence> {
  const { run, tracks } = posesDb.loadRunTracks(db, side.runId);
  const full = tracks.find((t) => t.trackId === side.trackId);
  if (!full)
    throw new KinemaError(
      'NOT_FOUND',
      `The ${what}'s run ${side.runId} has no track ${side.trackId} (tracks: ${tracks.map((t) => t.trackId).join(', ') || 'none'}).`,
    );
  const track = trackRange(full, side.inFrame, side.outFrame);
  if (track.frames.length < 2)
    throw new KinemaError(
      'NO_POSES',
      `The ${what} has ${track.frames.length === 0 ? 'no pose' : 'only one pose'} in its range; alignment needs a sequence.`,
    );
  const first = track.frames[0];
  const count = track.frames[track.frames.length - 1] - first + 1;
  const hash = posesFingerprint(track);
  const source = tccSource(model.name);
  const stored = seriesDb
    .listSeries(db, { kind: 'embedding', source, runId: side.runId, trackId: side.trackId })
    .find(
      (s) =>
        s.modelId === model.id &&
        s.firstFrame === first &&
        s.frameCount === count &&
        s.params.posesHash === hash,
    );
  let values: Float32Array;
  let dim: number;
  if (stored) {
    values = seriesDb.getSeries(db, stored.id).values;
    dim = stored.width;
  } else {
    const embedder = await pool.get(model);
    const e = await embedder.embedTrack(track);
    values = e.values;
    dim = e.dim;
    const clip =
      side.inFrame !== undefined
        ? clipsDb
            .listClips(db, run.videoId)
            .find((c) => c.inFrame === side.inFrame && c.outFrame === side.outFrame)
        : undefined;
    seriesDb.saveSeries(db, {
      kind: 'embedding',
      source,
      modelId: model.id,
      runId: side.runId,
      trackId: side.trackId,
      clipId: clip?.id ?? null,
      firstFrame: first,
      values,
      width: dim,
      params: {
        posesHash: hash,
        model: model.name,
        inFrame: side.inFrame ?? null,
        outFrame: side.outFrame ?? null,
      },
    });
    onStored(run.videoId);
  }
  return {
    values,
    dim,
    frames: Int32Array.from({ length: count }, (_, i) => first + i),
    names: Array.from({ length: dim }, (_, i) => `${source}.${i}`),
  };
}

export interface TccSequences {
  learner: FeatureSequence;
  reference: FeatureSequence;
  name: string;
}

/**
 * For an alignment request whose features name a trained encoder (`['tcc:<name>']`), both sides'
 * embeddings; undefined for training-free features.
 */
export async function tccSequences(
  db: Db,
  request: Pick<AlignRequest, 'learner' | 'reference' | 'features'>,
  onStored: (videoId: number) => void = () => {},
): Promise<TccSequences | undefined> {
  const lifted = await liftedSequences(db, request, onStored);
  if (lifted) return lifted;
  const feature = request.features?.[0];
  const name = feature === undefined ? null : tccModelName(feature);
  if (name === null) return undefined;
  const model = findTccModel(db, name);
  const pool = new EmbedderPool();
  try {
    const learner = await embeddingOf(db, model, pool, request.learner, 'learner', onStored);
    const reference = await embeddingOf(db, model, pool, request.reference, 'reference', onStored);
    return { learner, reference, name: tccSource(name) };
  } finally {
    await pool.release();
  }
}

// ---- Kendall's tau of clips -----------------------------------------------------------------------

export type TauFeatures = readonly Feature2dKind[] | readonly [string];

export interface ClipTau {
  learner: Clip;
  reference: Clip;
  /** TCC's nearest-neighbour Kendall's tau, learner → reference (NaN when undefined). */
  tau: number;
  features: string[];
}

/** Tau of the alignment of one clip to another (the clips' poses as the Align view picks them). */
export async function clipTau(
  db: Db,
  learner: Clip,
  reference: Clip,
  features: TauFeatures | undefined,
  onStored?: (videoId: number) => void,
): Promise<ClipTau> {
  if (learner.id === reference.id)
    throw new KinemaError('BAD_INPUT', `Compare two different clips (both are clip ${learner.id}).`);
  const side = (c: Clip) => {
    const p = clipPoses(db, c);
    return { p, request: { runId: p.runId, trackId: p.trackId, inFrame: c.inFrame, outFrame: c.outFrame } };
  };
  const l = side(learner);
  const r = side(reference);
  const sequences = await tccSequences(
    db,
    { learner: l.request, reference: r.request, features: features as AlignRequest['features'] },
    onStored,
  );
  let a;
  try {
    a = alignTracks(
      { track: l.p.track },
      { track: r.p.track },
      sequences ? { sequences } : { features: features as readonly Feature2dKind[] | undefined },
    );
  } catch (err) {
    throw err instanceof KinemaError ? err : new KinemaError('ALIGN_FAILED', (err as Error).message);
  }
  return { learner, reference, tau: a.featureTau, features: a.features };
}

// ---- the embedding map ----------------------------------------------------------------------------

const TSNE_ITERATIONS = 1000;

/** t-SNE in a worker thread when the app is built (so the main process stays responsive), else here. */
export function runTsne(points: Float32Array, dim: number, options: TsneOptions): Promise<TsneResult> {
  const workerPath = builtPaths.tsneWorker;
  if (!existsSync(workerPath)) return Promise.resolve(tsne(points, dim, options));
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerPath);
    worker.once('message', (m: { ok: true; result: TsneResult } | { ok: false; error: string }) => {
      void worker.terminate();
      if (m.ok) resolve(m.result);
      else reject(new KinemaError('MAP_FAILED', m.error));
    });
    worker.once('error', (err) => reject(new KinemaError('MAP_FAILED', err.message)));
    const { onProgress: _p, signal: _s, ...plain } = options;
    worker.postMessage({ points, dim, options: plain });
  });
}

export async function tccMap(
  db: Db,
  input: RequestInput<'tcc.map'>,
  onStored: (videoId: number) => void = () => {},
): Promise<RequestOutput<'tcc.map'>> {
  const t0 = performance.now();
  const model = findTccModel(db, input.model);
  const clips = [...new Set(input.clipIds)].map((id) => clipsDb.getClip(db, id));
  const pool = new EmbedderPool();
  const sequences: { clip: Clip; seq: FeatureSequence }[] = [];
  try {
    for (const clip of clips) {
      const p = clipPoses(db, clip);
      const seq = await embeddingOf(
        db,
        model,
        pool,
        { runId: p.runId, trackId: p.trackId, inFrame: clip.inFrame, outFrame: clip.outFrame },
        `clip "${p.name}" (clip ${clip.id})`,
        onStored,
      );
      sequences.push({ clip, seq });
    }
  } finally {
    await pool.release();
  }
  const dim = sequences[0]?.seq.dim ?? 0;
  const finiteRow = (s: FeatureSequence, r: number) => {
    for (let d = 0; d < s.dim; d++) if (!Number.isFinite(s.values[r * s.dim + d])) return false;
    return true;
  };
  const total = sequences.reduce((n, { seq }) => n + seq.frames.length, 0);
  const maxPoints = input.maxPoints ?? 1000;
  const step = Math.max(1, Math.ceil(total / maxPoints));
  const rows: { clip: number; frame: number }[] = [];
  const points: number[] = [];
  sequences.forEach(({ seq }, ci) => {
    for (let r = 0; r < seq.frames.length; r += step) {
      if (!finiteRow(seq, r)) continue;
      rows.push({ clip: ci, frame: seq.frames[r] });
      for (let d = 0; d < dim; d++) points.push(seq.values[r * dim + d]);
    }
  });
  if (rows.length < 3)
    throw new KinemaError('TOO_FEW_FRAMES', 'The chosen clips have fewer than 3 frames with poses to map.');
  const result = await runTsne(Float32Array.from(points), dim, {
    perplexity: input.perplexity ?? 30,
    iterations: TSNE_ITERATIONS,
    seed: 1,
  });
  const out = sequences.map(({ clip }) => ({
    clipId: clip.id,
    name: clipName(clip),
    videoId: clip.videoId,
    frames: [] as number[],
    xy: [] as number[],
  }));
  rows.forEach((row, i) => {
    const c = out[row.clip];
    c.frames.push(row.frame);
    c.xy.push(result.coords[i * 2], result.coords[i * 2 + 1]);
  });
  return {
    model: model.name,
    clips: out,
    step,
    perplexity: result.perplexity,
    kl: result.kl,
    seconds: (performance.now() - t0) / 1000,
  };
}
