/**
 * The workstation service: one open project (its database, job queue and frame server) and the
 * operations every transport exposes. Electron IPC, web mode and the CLI all call into this.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type {
  EventName,
  EventPayload,
  Job,
  JobKind,
  Project,
  RequestInput,
  RequestOutput,
} from '../shared/contract';
import type { PoseSet } from '../shared/pose';
import { getSkeleton } from '../shared/skeletons';
import { smoothPoseSet, type SmoothRequest } from '../shared/tracking/smooth-set';
import { KinemaError } from '../shared/contract';
import * as clipsDb from './db/clips';
import { openDatabase, type Db } from './db/connection';
import * as jobsDb from './db/jobs';
import * as posesDb from './db/poses';
import { ensureProjectRow, readProject } from './db/project';
import * as videosDb from './db/videos';
import { computeAlignment, writeAlignReport } from './analysis/alignment';
import type { TccSequences as AlignSequences } from './analysis/tcc';
import type { AlignVideoParams } from './jobs/kinds/align-video';
import { cropsJobParams, defaultCropDir } from './vpd/crops-job';
import { cropDirTarget } from './vpd/write-crops';
import type { DetectParams } from './jobs/kinds/detect';
import type { ExportParams } from './jobs/kinds/export';
import type { ImportParams } from './jobs/kinds/import';
import { JobQueue } from './jobs/queue';
import { getModel, modelInfos, requirePeopleMode } from './inference/models';
import { ffmpegPaths, ffmpegVersion } from './media/ffmpeg';
import { FrameServer } from './media/frame-server';
import { probeVideo, seekTimeForFrame } from './media/probe';

export interface DialogProvider {
  pickVideos(): Promise<string[]>;
  pickProject(mode: 'open' | 'create'): Promise<string | null>;
  pickExportPath(suggestedName: string): Promise<string | null>;
}

export interface WorkstationOptions {
  version: string;
  workerPath: string;
  cacheDir: string;
  dialogs?: DialogProvider;
  concurrency?: number;
}

/** Containers a stream copy of these codecs can be written to as MP4. */
const MP4_COPYABLE_CODECS = new Set(['h264', 'hevc', 'mpeg4', 'av1']);

export function defaultCacheDir(): string {
  return (
    process.env.KINEMA_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kinema')
  );
}

interface OpenProject {
  path: string;
  db: Db;
  queue: JobQueue;
}

export class Workstation {
  private readonly events = new EventEmitter();
  private readonly frames = new FrameServer();
  private project: OpenProject | null = null;

  constructor(private readonly options: WorkstationOptions) {
    this.events.setMaxListeners(100);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  /** Pushes an event to every listener (the renderer); request handlers call it after a change. */
  notify<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.events.emit(event, payload);
  }

  private emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.events.emit(event, payload);
  }

  get db(): Db {
    if (!this.project)
      throw new KinemaError('NO_PROJECT', 'No project is open. Open or create a project first.');
    return this.project.db;
  }

  private requireProject(): OpenProject {
    if (!this.project)
      throw new KinemaError('NO_PROJECT', 'No project is open. Open or create a project first.');
    return this.project;
  }

  private get queue(): JobQueue {
    if (!this.project)
      throw new KinemaError('NO_PROJECT', 'No project is open. Open or create a project first.');
    return this.project.queue;
  }

  // ---- app & project -------------------------------------------------------------------------

  async appInfo(): Promise<RequestOutput<'app.info'>> {
    return {
      version: this.options.version,
      nativeDialogs: Boolean(this.options.dialogs),
      ffmpeg: { ...ffmpegPaths(), version: await ffmpegVersion() },
      homeDir: homedir(),
    };
  }

  currentProject(): Project | null {
    return this.project ? readProject(this.project.db, this.project.path) : null;
  }

  /** Opens a project file (creating it if asked), resuming any job a crash interrupted. */
  async openProject(path: string, create = false, name?: string): Promise<Project> {
    const full = resolve(path);
    if (create && existsSync(full))
      throw new KinemaError('EXISTS', `${full} already exists. Open it instead, or pick another name.`);
    if (create && !existsSync(dirname(full)))
      throw new KinemaError('NOT_FOUND', `Folder not found: ${dirname(full)}`);
    if (create && extname(full) !== '.kinema')
      throw new KinemaError('BAD_NAME', 'A project file name must end in .kinema');
    const db = openDatabase(full, { create });
    ensureProjectRow(db, full, name);
    await this.closeProject();
    const queue = new JobQueue(db, {
      workerPath: this.options.workerPath,
      cacheDir: this.options.cacheDir,
      concurrency: this.options.concurrency,
      onJobUpdated: (job) => this.emit('job.updated', job),
      onJobMetrics: (jobId, point) => this.emit('job.metrics', { jobId, point }),
      onDataChanged: ({ kind, videoId }) => {
        if (kind === 'models') {
          this.emit('models.changed', {});
          return;
        }
        if (kind === 'series') {
          if (videoId !== undefined) this.emit('series.changed', { videoId });
          return;
        }
        if (kind === 'poses') {
          if (videoId !== undefined) this.emit('poses.changed', { videoId });
          return;
        }
        if (videoId !== undefined) this.frames.forget(videoId);
        this.emit('videos.changed', { videoId });
      },
    });
    this.project = { path: full, db, queue };
    videosDb.refreshAvailability(db, existsSync);
    queue.resumeInterrupted();
    const project = readProject(db, full);
    this.emit('project.changed', project);
    return project;
  }

  async closeProject(): Promise<void> {
    if (!this.project) return;
    const { db, queue } = this.project;
    this.project = null;
    await queue.close();
    db.close();
    this.emit('project.changed', null);
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  // ---- files and dialogs ---------------------------------------------------------------------

  async listDir(dir: string): Promise<RequestOutput<'files.list'>> {
    const full = resolve(dir);
    let names: string[];
    try {
      if (!(await stat(full)).isDirectory()) throw new Error();
      names = await readdir(full);
    } catch {
      throw new KinemaError('NOT_FOUND', `Folder not found: ${full}`);
    }
    const entries = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      try {
        const s = await stat(join(full, name));
        entries.push({
          name,
          path: join(full, name),
          kind: s.isDirectory() ? ('dir' as const) : ('file' as const),
          sizeBytes: s.size,
        });
      } catch {
        // Broken links and unreadable entries are not offered.
      }
    }
    entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
    const parent = dirname(full);
    return { dir: full, parent: parent === full ? null : parent, entries };
  }

  dialogs(): DialogProvider | undefined {
    return this.options.dialogs;
  }

  // ---- videos --------------------------------------------------------------------------------

  /**
   * Checks every file first (exists, readable, has a video stream) and only then queues one
   * import job per file, so a batch with a bad file writes nothing and says which file and why.
   */
  async importVideos(paths: string[]): Promise<{ jobIds: number[] }> {
    const db = this.db;
    const unique = [...new Set(paths.map((p) => resolve(p)))];
    const importing = new Set(this.activeImportPaths());
    for (const path of unique) {
      if (importing.has(path))
        throw new KinemaError('ALREADY_IMPORTING', `${basename(path)} is already being imported.`);
      const existing = videosDb.findVideoByPath(db, path);
      if (existing)
        throw new KinemaError('ALREADY_IMPORTED', `${basename(path)} is already in this project.`);
      await probeVideo(path);
    }
    const jobIds = unique.map(
      (path) => this.queue.enqueue('import', `Import ${basename(path)}`, { path } satisfies ImportParams).id,
    );
    return { jobIds };
  }

  /** Source paths of import jobs that are queued or running. */
  private activeImportPaths(): string[] {
    return jobsDb
      .listJobs(this.db)
      .filter((j) => j.kind === 'import' && (j.state === 'running' || j.state === 'queued'))
      .map((j) => (j.params as ImportParams).path);
  }

  removeVideo(videoId: number): boolean {
    const video = videosDb.getVideo(this.db, videoId);
    const busy = this.activeImportPaths().includes(video.path);
    if (busy)
      throw new KinemaError('BUSY', `${video.fileName} is still being imported. Cancel the import first.`);
    if (this.activeDetectJobs().some((j) => (j.params as DetectParams).videoId === videoId))
      throw new KinemaError(
        'BUSY',
        `Poses are being detected in ${video.fileName}. Cancel the detection first.`,
      );
    const removed = videosDb.deleteVideo(this.db, videoId);
    this.frames.forget(videoId);
    this.emit('videos.changed', { videoId });
    return removed;
  }

  async frame(input: { videoId: number; frame: number; maxSize?: number; exact?: boolean }) {
    const info = videosDb.getVideoMedia(this.db, input.videoId);
    if (!existsSync(info.video.path))
      throw new KinemaError('SOURCE_MISSING', `The video file was moved or deleted: ${info.video.path}`);
    return this.frames.getFrame(info, input.frame, { maxSize: input.maxSize, exact: input.exact });
  }

  // ---- clips ---------------------------------------------------------------------------------

  createClip(input: Parameters<typeof clipsDb.createClip>[1]) {
    const clip = clipsDb.createClip(this.db, input);
    this.emit('clips.changed', { videoId: clip.videoId });
    return clip;
  }

  updateClip(input: Parameters<typeof clipsDb.updateClip>[1]) {
    const clip = clipsDb.updateClip(this.db, input);
    this.emit('clips.changed', { videoId: clip.videoId });
    return clip;
  }

  deleteClip(clipId: number): boolean {
    const clip = clipsDb.getClip(this.db, clipId);
    const deleted = clipsDb.deleteClip(this.db, clipId);
    this.emit('clips.changed', { videoId: clip.videoId });
    return deleted;
  }

  /**
   * Queues the export of a clip. 'auto' stream-copies when the in point is a keyframe of an
   * MP4-compatible codec (exact and lossless) and re-encodes otherwise.
   */
  exportClip(input: { clipId: number; outPath?: string; mode?: 'auto' | 'copy' | 'reencode' }): {
    jobId: number;
    outPath: string;
  } {
    const clip = clipsDb.getClip(this.db, input.clipId);
    const info = videosDb.getVideoMedia(this.db, clip.videoId);
    const { video } = info;
    clipsDb.validateClipRange(clip.inFrame, clip.outFrame, video.frameCount);
    if (!existsSync(video.path))
      throw new KinemaError('SOURCE_MISSING', `The video file was moved or deleted: ${video.path}`);
    const atKeyframe = info.keyframes.includes(clip.inFrame);
    const copyable = atKeyframe && MP4_COPYABLE_CODECS.has(video.codec);
    const mode = input.mode ?? 'auto';
    if (mode === 'copy' && !copyable) {
      const before = [...info.keyframes].filter((k) => k <= clip.inFrame).pop();
      const after = [...info.keyframes].find((k) => k > clip.inFrame);
      throw new KinemaError(
        'NOT_COPYABLE',
        atKeyframe
          ? `${video.codec} cannot be stream-copied into MP4; export with re-encode.`
          : `Stream copy must start on a keyframe, and frame ${clip.inFrame} is not one (nearest: ${before ?? '–'} and ${after ?? '–'}). Move the in mark or export with re-encode.`,
      );
    }
    const method = mode === 'reencode' || !copyable ? 'reencode' : 'copy';
    const outPath = input.outPath
      ? resolve(input.outPath)
      : defaultExportPath(video.path, clip.label, clip.inFrame, clip.outFrame);
    if (outPath === resolve(video.path))
      throw new KinemaError('BAD_PATH', 'Refusing to overwrite the source video.');
    if (!existsSync(dirname(outPath)))
      throw new KinemaError('NOT_FOUND', `Folder not found: ${dirname(outPath)}`);
    if (!['.mp4', '.m4v', '.mov'].includes(extname(outPath).toLowerCase()))
      throw new KinemaError('BAD_PATH', 'Export to a file ending in .mp4, .m4v or .mov.');
    const params: ExportParams = {
      clipId: clip.id,
      sourcePath: video.path,
      outPath,
      method,
      startS: seekTimeForFrame(info.frameTimes, clip.inFrame),
      inFrame: clip.inFrame,
      frameCount: clip.outFrame - clip.inFrame,
      fps: video.fps,
      hasAudio: video.hasAudio,
    };
    const job = this.queue.enqueue('export', `Export ${basename(outPath)}`, params);
    return { jobId: job.id, outPath };
  }

  // ---- poses ---------------------------------------------------------------------------------

  listModels(): RequestOutput<'models.list'> {
    return modelInfos();
  }

  private activeDetectJobs() {
    return jobsDb
      .listJobs(this.db)
      .filter((j) => j.kind === 'detect' && (j.state === 'running' || j.state === 'queued'));
  }

  /**
   * Queues pose detection over frames [inFrame, outFrame) of a video (the whole video by
   * default), after checking the video is ready and on disk, the model exists and the range is
   * inside the video and not empty.
   */
  detectPoses(input: {
    videoId: number;
    model: string;
    inFrame?: number;
    outFrame?: number;
    people?: 'single' | 'multi';
  }): {
    jobId: number;
  } {
    const info = videosDb.getVideoMedia(this.db, input.videoId);
    const { video } = info;
    if (video.status !== 'ready')
      throw new KinemaError(
        'NOT_READY',
        video.status === 'missing'
          ? `The video file was moved or deleted: ${video.path}`
          : `${video.fileName} is not ready (${video.status}); wait for its import to finish.`,
      );
    if (!existsSync(video.path))
      throw new KinemaError('SOURCE_MISSING', `The video file was moved or deleted: ${video.path}`);
    const model = getModel(input.model);
    requirePeopleMode(model, input.people ?? 'single');
    const inFrame = input.inFrame ?? 0;
    const outFrame = input.outFrame ?? video.frameCount;
    if (inFrame >= video.frameCount || outFrame > video.frameCount)
      throw new KinemaError(
        'BAD_RANGE',
        `Frames ${inFrame}-${outFrame - 1} are outside ${video.fileName}, which has frames 0 to ${video.frameCount - 1}.`,
      );
    if (outFrame <= inFrame)
      throw new KinemaError(
        'BAD_RANGE',
        `The range is empty: out (${outFrame}) must be after in (${inFrame}).`,
      );
    const params: DetectParams = {
      videoId: video.id,
      path: video.path,
      model: model.id,
      inFrame,
      outFrame,
      width: video.width,
      height: video.height,
      seekS: seekTimeForFrame(info.frameTimes, inFrame),
      fps: video.fps,
      ...(input.people === 'multi' ? { people: 'multi' as const } : {}),
    };
    const job = this.queue.enqueue('detect', `Detect poses in ${video.fileName}`, params);
    return { jobId: job.id };
  }

  // ---- VPD crops --------------------------------------------------------------------------------

  /** Queues the crops job of a track: crop, prev crop, flow and mask per frame, VPD layout. */
  startCrops(input: RequestInput<'vpd.crops'>): { jobId: number; outDir: string } {
    const { run, tracks } = posesDb.loadRunTracks(this.db, input.runId);
    const trackId = input.trackId ?? 0;
    const track = tracks.find((t) => t.trackId === trackId);
    if (!track)
      throw new KinemaError(
        'NOT_FOUND',
        `Run ${run.id} has no track ${trackId} (tracks: ${tracks.map((t) => t.trackId).join(', ') || 'none'}).`,
      );
    const info = videosDb.getVideoMedia(this.db, run.videoId);
    if (!existsSync(info.video.path))
      throw new KinemaError('SOURCE_MISSING', `The video file was moved or deleted: ${info.video.path}`);
    const outDir = input.outDir
      ? resolve(input.outDir)
      : defaultCropDir(this.requireProject().path, info.video.fileName, trackId);
    const params = cropsJobParams({
      video: info.video,
      frameTimes: info.frameTimes,
      runId: run.id,
      track,
      inFrame: input.inFrame,
      outFrame: input.outFrame,
      outDir,
      view: input.view,
      cropSize: input.cropSize,
    });
    const job = this.queue.enqueue('crops', `Crops of ${info.video.fileName}`, params);
    return { jobId: job.id, outDir: cropDirTarget(outDir, input.view) };
  }

  // ---- alignment -----------------------------------------------------------------------------

  /** The HTML report of an alignment, key frames decoded exactly from the source videos. */
  alignReport(input: RequestInput<'align.report'>, sequences?: AlignSequences): Promise<string> {
    return writeAlignReport(
      this.db,
      input,
      async (videoId, frame) => {
        return (await this.frame({ videoId, frame, maxSize: 640, exact: true })).jpeg;
      },
      sequences,
    );
  }

  /** Queues the render of the aligned side-by-side MP4 (learner left, reference right). */
  alignExportVideo(
    input: RequestInput<'align.exportVideo'>,
    sequences?: AlignSequences,
  ): { jobId: number; outPath: string } {
    const { outPath: requested, height: requestedHeight, ...request } = input;
    const o = computeAlignment(this.db, request, sequences);
    const a = o.alignment;
    const side = (videoId: number, start: number, end: number) => {
      const info = videosDb.getVideoMedia(this.db, videoId);
      if (!existsSync(info.video.path))
        throw new KinemaError('SOURCE_MISSING', `The video file was moved or deleted: ${info.video.path}`);
      const height = Math.min(requestedHeight ?? 480, info.video.height) & ~1;
      const width = Math.max(2, Math.round((info.video.width * height) / info.video.height / 2) * 2);
      return {
        path: info.video.path,
        seekS: seekTimeForFrame(info.frameTimes, start),
        start,
        end,
        width,
        height,
      };
    };
    const outPath = resolve(
      requested ??
        join(
          dirname(o.learner.path),
          `${basename(o.learner.fileName, extname(o.learner.fileName))} vs ${basename(o.reference.fileName, extname(o.reference.fileName))} - aligned.mp4`,
        ),
    );
    if (outPath === resolve(o.learner.path) || outPath === resolve(o.reference.path))
      throw new KinemaError('BAD_PATH', 'Refusing to overwrite a source video.');
    if (!existsSync(dirname(outPath)))
      throw new KinemaError('NOT_FOUND', `Folder not found: ${dirname(outPath)}`);
    if (extname(outPath).toLowerCase() !== '.mp4')
      throw new KinemaError('BAD_PATH', 'Render to a file ending in .mp4.');
    const params: AlignVideoParams = {
      outPath,
      fps: o.learner.fps,
      learner: side(o.learner.videoId, a.learnerStart, a.learnerEnd),
      reference: side(
        o.reference.videoId,
        a.referenceFrames[0],
        a.referenceFrames.at(-1) ?? a.referenceFrames[0],
      ),
      learnerToReference: Array.from(a.learnerToReference),
    };
    const job = this.queue.enqueue('align-video', `Render ${basename(outPath)}`, params);
    return { jobId: job.id, outPath };
  }

  /** Queues a job whose parameters the caller has checked (e.g. analysis/tcc.ts). */
  enqueueJob(kind: JobKind, title: string, params: unknown): Job {
    return this.queue.enqueue(kind, title, params);
  }

  /** Where jobs keep their working files (model files handed to workers, checkpoints). */
  get cacheDir(): string {
    return this.options.cacheDir;
  }

  poseRuns(videoId: number) {
    videosDb.getVideo(this.db, videoId);
    return posesDb.listRuns(this.db, videoId);
  }

  /** A run's tracks as typed-array bytes (views, no copies) with the skeleton to draw them. */
  poseTracks(runId: number): RequestOutput<'poses.tracks'> {
    const { run, tracks } = posesDb.loadRunTracks(this.db, runId);
    const skeleton = getSkeleton(run.skeletonId);
    const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);
    return {
      runId,
      skeletonId: run.skeletonId,
      joints: [...skeleton.joints],
      links: skeleton.links.map(([a, b]) => [a, b] as [number, number]),
      tracks: tracks.map((t) => ({
        trackId: t.trackId,
        frames: bytes(t.frames),
        keypoints: bytes(t.keypoints),
        boxes: bytes(t.boxes),
        scores: bytes(t.scores),
      })),
    };
  }

  deletePoseRun(runId: number): boolean {
    const run = posesDb.getRun(this.db, runId);
    const job = this.activeDetectJobs().find(
      (j) => jobsDb.jobCheckpoint<{ runId?: number }>(this.db, j.id)?.runId === runId,
    );
    if (job) throw new KinemaError('BUSY', `This run is still being detected. Cancel job ${job.id} first.`);
    const deleted = posesDb.deleteRun(this.db, runId);
    this.emit('poses.changed', { videoId: run.videoId });
    return deleted;
  }

  /**
   * Smooths every track of a run into a NEW run (source 'filter', model = the filter name,
   * params {fromRunId, filter, cutoffHz, beta, window}); the source run is left unchanged.
   * Parameters are checked (e.g. a Butterworth cutoff at or above fps / 2) before anything is
   * written. See src/shared/tracking/smooth-set.ts for the defaults.
   */
  smoothPoseRun(input: { runId: number } & SmoothRequest): RequestOutput<'poses.smooth'> {
    const { runId, ...request } = input;
    const source = posesDb.getRun(this.db, runId);
    const job = this.activeDetectJobs().find(
      (j) => jobsDb.jobCheckpoint<{ runId?: number }>(this.db, j.id)?.runId === runId,
    );
    if (job)
      throw new KinemaError(
        'BUSY',
        `Run ${runId} is still being detected. Wait for job ${job.id} to finish.`,
      );
    if (source.tracks.every((t) => t.frameCount === 0))
      throw new KinemaError('NO_POSES', `Run ${runId} holds no poses to smooth.`);
    const { set, params } = smoothPoseSet(posesDb.loadRunPoseSet(this.db, runId), request);
    const newId = posesDb.storePoseSet(this.db, source.videoId, set, {
      source: 'filter',
      model: params.filter,
      params: { fromRunId: runId, ...params },
      labels: new Map(source.tracks.map((t) => [t.trackId, t.label])),
    });
    this.emit('poses.changed', { videoId: source.videoId });
    return posesDb.getRun(this.db, newId);
  }

  /**
   * Stores poses read from a file as a new run of a video. Frames beyond the video, or
   * coordinates for another video size, are refused before anything is written.
   */
  importPoses(videoId: number, set: PoseSet, format: string, source: string): number {
    const video = videosDb.getVideo(this.db, videoId);
    if (set.tracks.length === 0 || set.tracks.every((t) => t.frames.length === 0))
      throw new KinemaError('NO_POSES', `${basename(source)} holds no poses.`);
    for (const t of set.tracks) {
      const last = t.frames[t.frames.length - 1];
      if (last >= video.frameCount)
        throw new KinemaError(
          'BAD_RANGE',
          `${basename(source)}: track ${t.trackId} has poses up to frame ${last}, but ${video.fileName} has frames 0 to ${video.frameCount - 1}. Nothing was imported.`,
        );
    }
    const { width, height } = set.video;
    if (width > 0 && height > 0 && (width !== video.width || height !== video.height))
      throw new KinemaError(
        'SIZE_MISMATCH',
        `${basename(source)} is for a ${width}x${height} video, but ${video.fileName} is ${video.width}x${video.height}. Nothing was imported.`,
      );
    const runId = posesDb.storePoseSet(this.db, videoId, set, {
      source: 'import',
      model: format,
      params: { file: source, ...(set.provenance.model ? { originalModel: set.provenance.model } : {}) },
    });
    this.emit('poses.changed', { videoId });
    return runId;
  }

  // ---- jobs ----------------------------------------------------------------------------------

  cancelJob(jobId: number): boolean {
    return this.queue.cancel(jobId);
  }

  jobMetrics(jobId: number): Record<string, number>[] {
    jobsDb.getJob(this.db, jobId); // NOT_FOUND for an unknown job
    return this.queue.metricsOf(jobId);
  }

  clearFinishedJobs(): number {
    return jobsDb.clearFinishedJobs(this.db);
  }
}

function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
}

/** `<source>_<label>_<first>-<last>.mp4` beside the source, never overwriting an existing file. */
export function defaultExportPath(
  sourcePath: string,
  label: string,
  inFrame: number,
  outFrame: number,
): string {
  const stem = `${basename(sourcePath, extname(sourcePath))}_${slug(label) || 'clip'}_${inFrame}-${outFrame - 1}`;
  let candidate = join(dirname(sourcePath), `${stem}.mp4`);
  for (let n = 2; existsSync(candidate); n++) candidate = join(dirname(sourcePath), `${stem} (${n}).mp4`);
  return candidate;
}
