/**
 * 3D lifting in the UI: the lifted series of the selected video (`lift.list`), lifts started from
 * the pose list (a 'lift' job each; the viewer opens on the result when the job is done), the
 * series shown in the 3D viewer (joints and root decoded once into a Scene3d), and its exports and
 * MP4 render. Follows the poses store's video; replies for another video or project are dropped.
 */
import { create } from 'zustand';
import type { LiftExportFormatName, LiftSeries } from '../../../shared/contract-lift';
import { buildScene3d, type Scene3d } from '../../../shared/lifting/scene3d';
import { call, ignore, on } from '../api';
import { safeFileName, stripExtension } from '../paths';
import { decodeFloats } from './kinematics';
import { usePoses } from './poses';
import { useProject } from './project';
import { useToasts } from './toasts';
import { useVideos } from './videos';
import { session } from './util';

export interface LiftView {
  series: LiftSeries;
  scene: Scene3d;
}

interface PendingLift {
  jobId: number;
  runId: number;
  trackId: number;
}

interface LiftState {
  videoId: number | null;
  /** The video's lifted series, newest first. */
  series: LiftSeries[];
  pending: PendingLift[];
  /** The series the viewer shows (null: the viewer is closed). */
  openSeriesId: number | null;
  view: LiftView | null;
  loading: boolean;
  error: string | null;
  busy: 'export' | 'render' | null;

  attach(): () => void;
  refresh(): Promise<void>;
  /** The newest series of a track, if it was lifted. */
  seriesOf(runId: number, trackId: number): LiftSeries | undefined;
  startLift(runId: number, trackId: number): Promise<void>;
  show(seriesId: number): Promise<void>;
  close(): void;
  exportAs(format: LiftExportFormatName): Promise<string | null>;
  render(): Promise<string | null>;
}

export const useLift = create<LiftState>()((set, get) => {
  async function pickPath(ext: string, what: string): Promise<string | undefined | null> {
    const v = get().view;
    if (!v || !useProject.getState().info?.nativeDialogs) return undefined;
    const video = useVideos.getState().videos.find((x) => x.id === get().videoId);
    const stem = video ? stripExtension(video.fileName) : `video ${get().videoId}`;
    const suggestedName = `${safeFileName(`${stem} - run ${v.series.runId} track ${v.series.trackId} ${what}`)}.${ext}`;
    return call('dialog.pickExportPath', { suggestedName });
  }

  return {
    videoId: null,
    series: [],
    pending: [],
    openSeriesId: null,
    view: null,
    loading: false,
    error: null,
    busy: null,

    attach() {
      const follow = (videoId: number | null) => {
        if (videoId === get().videoId) return;
        set({ videoId, series: [], openSeriesId: null, view: null, error: null });
        if (videoId !== null) get().refresh().catch(ignore);
      };
      follow(usePoses.getState().videoId);
      const offs = [
        usePoses.subscribe((s) => follow(s.videoId)),
        on('series.changed', ({ videoId }) => {
          if (videoId === get().videoId) get().refresh().catch(ignore);
        }),
        on('job.updated', (job) => {
          if (job.kind !== 'lift') return;
          const pending = get().pending.find((p) => p.jobId === job.id);
          if (!pending || job.state === 'queued' || job.state === 'running') return;
          set({ pending: get().pending.filter((p) => p.jobId !== job.id) });
          if (job.state === 'failed') useToasts.getState().error(job.error ?? 'The lift failed.');
          if (job.state !== 'done') return;
          const seriesId = (job.result as { seriesId?: number } | null)?.seriesId;
          get()
            .refresh()
            .then(() => (seriesId ? get().show(seriesId) : undefined))
            .catch(ignore);
        }),
      ];
      return () => offs.forEach((off) => off());
    },

    async refresh() {
      const { videoId } = get();
      if (videoId === null) return;
      const generation = session.generation;
      const series = await call('lift.list', { videoId }, { quiet: true });
      if (generation !== session.generation || get().videoId !== videoId) return;
      set({ series });
      const open = get().openSeriesId;
      if (open !== null && !series.some((s) => s.id === open)) set({ openSeriesId: null, view: null });
    },

    seriesOf(runId, trackId) {
      return get().series.find((s) => s.runId === runId && s.trackId === trackId);
    },

    async startLift(runId, trackId) {
      if (get().pending.some((p) => p.runId === runId && p.trackId === trackId)) return;
      try {
        const { jobId, lifter } = await call('lift.start', { runId, trackId });
        set({ pending: [...get().pending, { jobId, runId, trackId }] });
        useToasts.getState().info(`Lifting track ${trackId} to 3D with ${lifter}…`);
      } catch {
        // `call` showed the error.
      }
    },

    async show(seriesId) {
      const generation = session.generation;
      set({ openSeriesId: seriesId, loading: true, error: null });
      try {
        const r = await call('lift.get', { seriesId }, { quiet: true });
        if (generation !== session.generation || get().openSeriesId !== seriesId) return;
        const scene = buildScene3d(
          decodeFloats(r.values),
          r.root ? decodeFloats(r.root) : null,
          r.series.firstFrame,
        );
        set({ view: { series: r.series, scene }, loading: false });
      } catch (err) {
        if (get().openSeriesId === seriesId)
          set({ loading: false, view: null, error: err instanceof Error ? err.message : String(err) });
      }
    },

    close() {
      set({ openSeriesId: null, view: null, error: null });
    },

    async exportAs(format) {
      const v = get().view;
      if (!v) return null;
      set({ busy: 'export' });
      try {
        const path = await pickPath(format, '3d');
        if (path === null) return null;
        const r = await call('lift.export', { seriesId: v.series.id, format, ...(path ? { path } : {}) });
        useToasts
          .getState()
          .info(`3D joints (${format.toUpperCase()}, ${r.frames} frames) written to ${r.path}`);
        return r.path;
      } catch {
        return null;
      } finally {
        set({ busy: null });
      }
    },

    async render() {
      const v = get().view;
      if (!v) return null;
      set({ busy: 'render' });
      try {
        const path = await pickPath('mp4', '3d render');
        if (path === null) return null;
        const r = await call('lift.render', { seriesId: v.series.id, ...(path ? { outPath: path } : {}) });
        useToasts.getState().info(`Rendering ${r.frames} frames to ${r.outPath} (see Jobs)`);
        return r.outPath;
      } catch {
        return null;
      } finally {
        set({ busy: null });
      }
    },
  };
});
