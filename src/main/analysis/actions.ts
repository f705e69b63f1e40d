/**
 * Few-shot action recognition, retrieval and detection over the project's clips and videos, for
 * the API and the CLI (maths: src/shared/actions/).
 *
 * Which poses: each video's newest pose run and its longest track (as TCC training and `tau`
 * choose a clip's poses), over the whole track; a clip is that track's rows inside the clip's
 * range. Features are computed once per video over the whole track, so a clip and the moment it
 * was cut from have identical rows.
 *
 * Features: the training-free pose features (default bones + angles: view-robust), or a stored
 * embedding series (`frame_series`, kind 'embedding', the given source) of that track. When any
 * clip or video involved lacks the series, everything falls back to the pose features — mixing
 * feature spaces would make distances meaningless — and a note names what lacked it.
 */
import type { RequestInput, RequestOutput } from '../../shared/contract';
import type { Clip } from '../../shared/contract';
import { KinemaError } from '../../shared/errors';
import {
  classify,
  confusionMatrix,
  detectOccurrences,
  knnClassifier,
  leaveOneOut,
  linearClassifier,
  overlapFrames,
  predictLinear,
  trainLinearClassifier,
  retrieveMoments,
  scoreDetections,
  type ActionItem,
  type ActionSequence,
  type LabelPrediction,
  type LinearPrediction,
  type Prediction,
  type VideoSeries,
} from '../../shared/actions';
import { poseFeatures2d, type Feature2dKind } from '../../shared/alignment';
import { DEFAULT_DETECT_THRESHOLD, DETECT_IOU, type ActionMoment } from '../../shared/contract-actions';
import type { Db } from '../db/connection';
import * as clipsDb from '../db/clips';
import * as posesDb from '../db/poses';
import * as seriesDb from '../db/series';
import * as videosDb from '../db/videos';

const DEFAULT_KINDS: readonly Feature2dKind[] = ['bones', 'angles'];
/** Share of a track's posed frames a stored series must cover to stand for the video. */
const SERIES_COVERAGE = 0.9;

interface FeatureChoice {
  features?: readonly Feature2dKind[];
  embedding?: string;
}

/** A video's per-frame features over its main track: row r is frame firstFrame + r. */
interface VideoFeatures {
  videoId: number;
  fileName: string;
  runId: number;
  trackId: number;
  firstFrame: number;
  sequence: ActionSequence;
  /** Per row: the track has a pose at that frame. */
  posed: Uint8Array;
}

interface ClipSequence {
  clip: Clip;
  name: string;
  fileName: string;
  sequence: ActionSequence;
}

export function clipDisplayName(clip: Pick<Clip, 'id' | 'label'>): string {
  return clip.label.trim() || `Clip ${clip.id}`;
}

/** Loads features per video once, in the chosen space, and remembers why a fallback happened. */
class FeatureSource {
  private readonly pose = new Map<number, VideoFeatures | null>();
  private readonly embedded = new Map<number, VideoFeatures | null>();
  private readonly fileNames = new Map<number, string>();
  readonly notes: string[] = [];
  private readonly kinds: readonly Feature2dKind[];

  constructor(
    private readonly db: Db,
    private readonly choice: FeatureChoice,
  ) {
    this.kinds = choice.features?.length ? choice.features : DEFAULT_KINDS;
  }

  get poseName(): string {
    return this.kinds.join(',');
  }

  fileName(videoId: number): string {
    if (!this.fileNames.has(videoId))
      this.fileNames.set(videoId, videosDb.getVideo(this.db, videoId).fileName);
    return this.fileNames.get(videoId)!;
  }

  /** The video's pose features (null when it has no poses). */
  poseFeatures(videoId: number): VideoFeatures | null {
    if (this.pose.has(videoId)) return this.pose.get(videoId)!;
    const run = posesDb.listRuns(this.db, videoId)[0];
    let out: VideoFeatures | null = null;
    const best = run?.tracks.reduce<(typeof run.tracks)[number] | undefined>(
      (a, t) => (!a || t.frameCount > a.frameCount ? t : a),
      undefined,
    );
    if (run && best && best.frameCount > 0) {
      const track = posesDb.loadRunTracks(this.db, run.id).tracks.find((t) => t.trackId === best.trackId)!;
      // The same poses flipped left-right: the motion filmed from the other side.
      const flipped = {
        ...track,
        keypoints: track.keypoints.map((v, i) => (i % 3 === 0 ? -v : v)),
        boxes: track.boxes.map((v, i) => (i % 4 === 0 ? -v - track.boxes[i + 2] : v)),
      };
      try {
        const f = poseFeatures2d(track, { kinds: this.kinds });
        const mirrored = poseFeatures2d(flipped, { kinds: this.kinds });
        const posed = new Uint8Array(f.frames.length);
        for (const frame of track.frames) posed[frame - f.frames[0]] = 1;
        out = {
          videoId,
          fileName: this.fileName(videoId),
          runId: run.id,
          trackId: best.trackId,
          firstFrame: f.frames[0],
          sequence: { values: f.values, dim: f.dim, mirrored: mirrored.values },
          posed,
        };
      } catch (err) {
        // No frame shows both hips and both shoulders: the body frame cannot be placed.
        this.notes.push(
          `${this.fileName(videoId)} is left out: ${(err as Error).message.replace(/^features: /, '')}.`,
        );
      }
    }
    this.pose.set(videoId, out);
    return out;
  }

  /** The video's stored embedding series over the same rows (null when missing or too sparse). */
  embeddingFeatures(videoId: number, source: string): VideoFeatures | null {
    if (this.embedded.has(videoId)) return this.embedded.get(videoId)!;
    const pose = this.poseFeatures(videoId);
    let out: VideoFeatures | null = null;
    if (pose) {
      const rows = pose.posed.length;
      const infos = seriesDb
        .listSeries(this.db, { kind: 'embedding', source, runId: pose.runId, trackId: pose.trackId })
        .reverse(); // oldest first, so the newest series wins where they overlap
      let values: Float32Array | null = null;
      let dim = 0;
      for (const info of infos) {
        if (values && info.width !== dim) continue;
        const s = seriesDb.getSeries(this.db, info.id);
        dim = s.width;
        values ??= new Float32Array(rows * dim).fill(NaN);
        for (let r = 0; r < s.frameCount; r++) {
          const row = s.firstFrame + r - pose.firstFrame;
          if (row < 0 || row >= rows) continue;
          values.set(s.values.subarray(r * dim, (r + 1) * dim), row * dim);
        }
      }
      // Embeddings have no mirrored twin: the embedder decides what a mirror is.
      if (values) out = { ...pose, sequence: { values, dim } };
    }
    this.embedded.set(videoId, out);
    return out;
  }
}

/** Share of the posed rows in [from, to) that have finite features. */
function coverage(v: VideoFeatures, from: number, to: number): number {
  let posed = 0;
  let ok = 0;
  for (let r = Math.max(0, from); r < Math.min(v.posed.length, to); r++) {
    if (!v.posed[r]) continue;
    posed++;
    if (Number.isFinite(v.sequence.values[r * v.sequence.dim])) ok++;
  }
  return posed ? ok / posed : 0;
}

function sliceRows(v: VideoFeatures, inFrame: number, outFrame: number): ActionSequence {
  const from = Math.max(0, inFrame - v.firstFrame);
  const to = Math.min(v.posed.length, outFrame - v.firstFrame);
  const d = v.sequence.dim;
  const cut = (values: Float32Array) => values.slice(from * d, Math.max(from, to) * d);
  const mirrored = v.sequence.mirrored;
  return { values: cut(v.sequence.values), dim: d, ...(mirrored ? { mirrored: cut(mirrored) } : {}) };
}

function posedIn(v: VideoFeatures, inFrame: number, outFrame: number): number {
  let n = 0;
  for (
    let r = Math.max(0, inFrame - v.firstFrame);
    r < Math.min(v.posed.length, outFrame - v.firstFrame);
    r++
  )
    n += v.posed[r];
  return n;
}

/**
 * The features every clip and video of one request is compared in: the embedding when all of
 * `need` have it, else the pose features (with a note). `need`: video ids with the frame range
 * that must be covered (null = the whole track).
 */
function chooseSpace(
  src: FeatureSource,
  choice: FeatureChoice,
  need: { videoId: number; range: [number, number] | null; what: string }[],
): { name: string; get: (videoId: number) => VideoFeatures | null } {
  const pose = { name: src.poseName, get: (videoId: number) => src.poseFeatures(videoId) };
  const source = choice.embedding;
  if (!source) return pose;
  const lacking: string[] = [];
  for (const n of need) {
    const p = src.poseFeatures(n.videoId);
    if (!p) continue;
    const e = src.embeddingFeatures(n.videoId, source);
    const [from, to] = n.range ? [n.range[0] - p.firstFrame, n.range[1] - p.firstFrame] : [0, p.posed.length];
    if (!e || coverage(e, from, to) < SERIES_COVERAGE) lacking.push(`${n.what} (run ${p.runId})`);
  }
  if (!lacking.length) return { name: source, get: (videoId) => src.embeddingFeatures(videoId, source) };
  const runs = [...new Set(lacking.map((l) => /run (\d+)\)$/.exec(l)![1]))];
  src.notes.push(
    `No "${source}" embeddings for ${lacking.slice(0, 5).join(', ')}${lacking.length > 5 ? ` and ${lacking.length - 5} more` : ''}: ` +
      `compared everything on the pose features (${src.poseName}) instead.` +
      (source === 'vipe' ? ` Compute them with: ${runs.map((r) => `kinema embed ${r}`).join('; ')}.` : ''),
  );
  return pose;
}

function describeClip(src: FeatureSource, clip: Clip): string {
  return `clip ${clip.id} "${clipDisplayName(clip)}" (${src.fileName(clip.videoId)})`;
}

/**
 * Clips with their features in the chosen space; clips without at least two poses are left out
 * with a note.
 */
function clipSequences(
  src: FeatureSource,
  clips: readonly Clip[],
  get: (videoId: number) => VideoFeatures | null,
): ClipSequence[] {
  const out: ClipSequence[] = [];
  for (const clip of clips) {
    const v = get(clip.videoId);
    const posed = v ? posedIn(v, clip.inFrame, clip.outFrame) : 0;
    if (!v || posed < 2) {
      src.notes.push(
        `Left out ${describeClip(src, clip)}: ${posed === 1 ? 'only one frame has a pose' : 'no poses in its frames'} (run Detect poses on it).`,
      );
      continue;
    }
    out.push({
      clip,
      name: clipDisplayName(clip),
      fileName: v.fileName,
      sequence: sliceRows(v, clip.inFrame, clip.outFrame),
    });
  }
  return out;
}

function clipRef(c: ClipSequence) {
  return {
    clipId: c.clip.id,
    videoId: c.clip.videoId,
    fileName: c.fileName,
    name: c.name,
    inFrame: c.clip.inFrame,
    outFrame: c.clip.outFrame,
  };
}

function allClips(db: Db): Clip[] {
  const clips = clipsDb.listClips(db);
  if (!clips.length)
    throw new KinemaError(
      'NO_CLIPS',
      'This project has no clips: mark a few examples of each action (I and O, then C) and label them.',
    );
  return clips;
}

const labelKey = (label: string) => label.trim().toLowerCase();

// ---- recognition ----------------------------------------------------------------------------------

export function recognizeActions(
  db: Db,
  input: RequestInput<'actions.recognize'>,
): RequestOutput<'actions.recognize'> {
  const method = input.method ?? 'knn-dtw';
  if (method === 'linear' && input.k !== undefined)
    throw new KinemaError(
      'BAD_OPTIONS',
      'k is the number of neighbours of k-NN: the linear classifier has none (leave k out, or use method knn-dtw).',
    );
  const k = input.k ?? 1;
  const clips = allClips(db);
  const labelled = clips.filter((c) => c.label.trim());
  if (!labelled.length)
    throw new KinemaError(
      'NO_LABELS',
      `None of the ${clips.length} clips has a label: label a few clips per action (the clip's label is its action), then recognise the rest.`,
    );
  const src = new FeatureSource(db, input);
  const space = chooseSpace(
    src,
    input,
    clips.map((c) => ({ videoId: c.videoId, range: [c.inFrame, c.outFrame], what: describeClip(src, c) })),
  );
  let seqs = clipSequences(src, clips, space.get);
  // The linear classifier pools frames with features; k-NN's DTW costs such frames as missing.
  if (method === 'linear')
    seqs = seqs.filter((s) => {
      const some = s.sequence.values.some(Number.isFinite);
      if (!some)
        src.notes.push(
          `Left out ${describeClip(src, s.clip)}: no frame shows both hips and both shoulders, so it has no features.`,
        );
      return some;
    });
  const byId = new Map(seqs.map((s) => [s.clip.id, s]));
  // Labels compare trimmed and case-blind; the first spelling met names the action.
  const spelling = new Map<string, string>();
  for (const s of seqs)
    if (s.clip.label.trim())
      spelling.set(labelKey(s.clip.label), spelling.get(labelKey(s.clip.label)) ?? s.clip.label.trim());
  const item = (s: ClipSequence): ActionItem => ({
    id: s.clip.id,
    label: s.clip.label.trim() ? spelling.get(labelKey(s.clip.label))! : null,
    sequence: s.sequence,
  });
  const support = seqs.filter((s) => s.clip.label.trim()).map(item);
  const queries = seqs.filter((s) => !s.clip.label.trim()).map(item);
  if (!support.length)
    throw new KinemaError('NO_POSES', `No labelled clip has poses. ${src.notes.join(' ')}`.trim());
  if (support.length < k)
    throw new KinemaError(
      'BAD_OPTIONS',
      `k = ${k} is more than the ${support.length} labelled clips with poses.`,
    );
  const distinct = new Set(support.map((s) => s.label));
  if (distinct.size < 2) {
    if (method === 'linear')
      throw new KinemaError(
        'NO_LABELS',
        `The linear classifier needs labelled clips of at least two actions; only "${[...distinct][0]}" is labelled. Label clips of other actions too, or use k-NN.`,
      );
    src.notes.push(
      `Only one action is labelled ("${[...distinct][0]}"): every clip gets it. Label clips of other actions too.`,
    );
  }
  // k-NN predictions carry distance, votes and neighbours; the linear classifier's its probabilities.
  const row = (p: Partial<Prediction> & Partial<LinearPrediction> & LabelPrediction) => ({
    ...clipRef(byId.get(p.id)!),
    truth: p.truth,
    predicted: p.predicted,
    distance: p.distance ?? null,
    votes: p.votes ?? null,
    neighbours: p.neighbours?.map((n) => ({ clipId: n.id, label: n.label, distance: n.distance })) ?? [],
    confidence: p.confidence ?? null,
    probabilities: p.probabilities ?? [],
  });
  let predictions: ReturnType<typeof row>[] = [];
  if (method === 'linear') {
    const model = trainLinearClassifier(support);
    if (!model.converged)
      src.notes.push(
        `The linear classifier stopped after ${model.iterations} training steps before fully converging; its probabilities may be slightly off.`,
      );
    predictions = queries.map((q) => row(predictLinear(model, q, describeClip(src, byId.get(q.id)!.clip))));
  } else if (queries.length) predictions = classify(support, queries, { k }).map(row);
  let evaluation: RequestOutput<'actions.recognize'>['evaluation'] = null;
  if (support.length >= (method === 'linear' ? 2 : k + 1) && support.length >= 2) {
    const loo =
      method === 'linear'
        ? leaveOneOut(support, linearClassifier())
        : leaveOneOut(support, knnClassifier({ k }));
    const cm = confusionMatrix(loo);
    evaluation = {
      predictions: loo.map(row),
      accuracy: cm.accuracy,
      labels: cm.labels,
      counts: cm.counts,
      perLabel: cm.perLabel,
    };
  }
  return {
    features: space.name,
    notes: src.notes,
    method,
    k: method === 'knn-dtw' ? k : null,
    predictions,
    evaluation,
  };
}

// ---- retrieval -----------------------------------------------------------------------------------

function videosWithPoses(src: FeatureSource, db: Db, only?: number): number[] {
  const ids =
    only !== undefined ? [videosDb.getVideo(db, only).id] : videosDb.listVideos(db).map((v) => v.id);
  return ids.filter((id) => src.poseFeatures(id) !== null);
}

function momentOf(
  src: FeatureSource,
  clips: readonly Clip[],
  m: { key: number; inFrame: number; outFrame: number; cost: number },
): ActionMoment {
  return {
    videoId: m.key,
    fileName: src.fileName(m.key),
    inFrame: m.inFrame,
    outFrame: m.outFrame,
    cost: m.cost,
    clips: clips
      .filter((c) => c.videoId === m.key && overlapFrames(c, m) > 0)
      .map((c) => ({ clipId: c.id, name: clipDisplayName(c) })),
  };
}

export function retrieveSimilar(
  db: Db,
  input: RequestInput<'actions.retrieve'>,
): RequestOutput<'actions.retrieve'> {
  let query: { videoId: number; inFrame: number; outFrame: number; clipId: number | null };
  if (input.clipId !== undefined) {
    const clip = clipsDb.getClip(db, input.clipId);
    query = { videoId: clip.videoId, inFrame: clip.inFrame, outFrame: clip.outFrame, clipId: clip.id };
  } else if (input.videoId !== undefined && input.inFrame !== undefined && input.outFrame !== undefined) {
    const video = videosDb.getVideo(db, input.videoId);
    if (input.outFrame <= input.inFrame || input.outFrame > video.frameCount)
      throw new KinemaError(
        'BAD_RANGE',
        `Frames ${input.inFrame}–${input.outFrame - 1} are not a range of ${video.fileName} (frames 0 to ${video.frameCount - 1}).`,
      );
    query = { videoId: video.id, inFrame: input.inFrame, outFrame: input.outFrame, clipId: null };
  } else
    throw new KinemaError('BAD_INPUT', 'Pick what to search for: a clip, or a video with in and out frames.');
  const src = new FeatureSource(db, input);
  const ids = videosWithPoses(src, db);
  const queryName =
    query.clipId !== null ? `clip ${query.clipId}` : `frames ${query.inFrame}–${query.outFrame - 1}`;
  const pose = src.poseFeatures(query.videoId);
  if (!pose || posedIn(pose, query.inFrame, query.outFrame) < 2)
    throw new KinemaError(
      'NO_POSES',
      `The query (${queryName} of ${src.fileName(query.videoId)}) has ${pose ? 'fewer than two poses' : 'no poses'}: run Detect poses on it first.`,
    );
  const space = chooseSpace(
    src,
    input,
    ids.map((id) => ({ videoId: id, range: null, what: `${src.fileName(id)}` })),
  );
  const series: VideoSeries[] = ids.map((id) => {
    const v = space.get(id)!;
    return { key: id, firstFrame: v.firstFrame, sequence: v.sequence };
  });
  const q = sliceRows(space.get(query.videoId)!, query.inFrame, query.outFrame);
  const results = retrieveMoments(q, series, {
    top: input.top ?? 10,
    exclude: [{ key: query.videoId, range: query }],
  });
  const clips = clipsDb.listClips(db);
  return {
    features: space.name,
    notes: src.notes,
    query,
    results: results.map((m) => momentOf(src, clips, m)),
  };
}

// ---- detection -----------------------------------------------------------------------------------

export function detectActions(
  db: Db,
  input: RequestInput<'actions.detect'>,
): RequestOutput<'actions.detect'> {
  const threshold = input.threshold ?? DEFAULT_DETECT_THRESHOLD;
  const clips = allClips(db);
  const want = labelKey(input.label);
  const labelled = clips.filter((c) => labelKey(c.label) === want);
  if (!labelled.length) {
    const labels = [...new Set(clips.map((c) => c.label.trim()).filter(Boolean))];
    throw new KinemaError(
      'NOT_FOUND',
      `No clip is labelled "${input.label.trim()}"${labels.length ? ` (labels: ${labels.map((l) => `"${l}"`).join(', ')})` : ' (no clip has a label yet)'}: label one or more examples of the action first.`,
    );
  }
  const src = new FeatureSource(db, input);
  const ids = videosWithPoses(src, db, input.videoId);
  if (!ids.length)
    throw new KinemaError(
      'NO_POSES',
      input.videoId !== undefined
        ? `${src.fileName(input.videoId)} has no poses to search: run Detect poses on it first.`
        : 'No video of the project has poses to search: run Detect poses first.',
    );
  const space = chooseSpace(src, input, [
    ...labelled.map((c) => ({
      videoId: c.videoId,
      range: [c.inFrame, c.outFrame] as [number, number],
      what: describeClip(src, c),
    })),
    ...ids.map((id) => ({ videoId: id, range: null, what: src.fileName(id) })),
  ]);
  const templates = clipSequences(src, labelled, space.get);
  if (!templates.length)
    throw new KinemaError(
      'NO_POSES',
      `No clip labelled "${input.label.trim()}" has poses. ${src.notes.join(' ')}`.trim(),
    );
  const series: VideoSeries[] = ids.map((id) => {
    const v = space.get(id)!;
    return { key: id, firstFrame: v.firstFrame, sequence: v.sequence };
  });
  const detections = detectOccurrences(
    templates.map((t) => ({
      id: t.clip.id,
      key: t.clip.videoId,
      range: t.clip,
      sequence: t.sequence,
    })),
    series,
    { threshold },
  );
  const truthClips = templates.filter((t) => ids.includes(t.clip.videoId));
  const score = scoreDetections(
    detections,
    truthClips.map((t) => ({
      key: t.clip.videoId,
      id: t.clip.id,
      inFrame: t.clip.inFrame,
      outFrame: t.clip.outFrame,
    })),
    DETECT_IOU,
  );
  const found = new Set(score.matched.filter((m): m is number => m !== null));
  return {
    features: space.name,
    notes: src.notes,
    label: templates[0].clip.label.trim(),
    threshold,
    iou: DETECT_IOU,
    templates: templates.map(clipRef),
    videos: ids.map((id) => ({ videoId: id, fileName: src.fileName(id) })),
    occurrences: detections.map((d, i) => ({
      ...momentOf(src, clips, d),
      templateClipId: d.templateId,
      matchedClipId: score.matched[i],
    })),
    truths: truthClips.map((t) => ({ ...clipRef(t), found: found.has(t.clip.id) })),
    precision: score.precision,
    recall: score.recall,
    f1: score.f1,
  };
}
