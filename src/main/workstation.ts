/**
 * The workstation service: one open project (its database, job queue and frame server) and the
 * operations every transport exposes. Electron IPC, web mode and the CLI all call into this.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { EventName, EventPayload, Project, RequestOutput } from '../shared/contract';
import { KinemaError } from '../shared/contract';
import * as clipsDb from './db/clips';
import { openDatabase, type Db } from './db/connection';
import * as jobsDb from './db/jobs';
import { ensureProjectRow, readProject } from './db/project';
import * as videosDb from './db/videos';
import type { ExportParams } from './jobs/kinds/export';
import type { ImportParams } from './jobs/kinds/import';
import { JobQueue } from './jobs/queue';
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

  private emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.events.emit(event, payload);
  }

  get db(): Db {
    if (!this.project)
      throw new KinemaError('NO_PROJECT', 'No project is open. Open or create a project first.');
    return this.project.db;
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
      onDataChanged: ({ videoId }) => {
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

  // ---- jobs ----------------------------------------------------------------------------------

  cancelJob(jobId: number): boolean {
    return this.queue.cancel(jobId);
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
