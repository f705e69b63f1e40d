import { create } from 'zustand';
import type { Project, RequestOutput } from '../../../shared/contract';
import { call, errorMessage, ignore } from '../api';
import { useClips } from './clips';
import { useJobs } from './jobs';
import { usePoses } from './poses';
import { useVideos } from './videos';
import { session } from './util';

export type AppInfo = RequestOutput<'app.info'>;

interface ProjectState {
  /** True once app.info and project.current answered (or failed: see `fatal`). */
  ready: boolean;
  /** Set when the app cannot talk to its backend at all. */
  fatal: string | null;
  info: AppInfo | null;
  project: Project | null;
  busy: boolean;
  init(): Promise<void>;
  setProject(project: Project | null): void;
  open(path: string): Promise<Project>;
  create(path: string): Promise<Project>;
  /** Native dialog flow; resolves to null when the user cancelled. */
  pickAndOpen(mode: 'open' | 'create'): Promise<Project | null>;
}

export const useProject = create<ProjectState>()((set, get) => ({
  ready: false,
  fatal: null,
  info: null,
  project: null,
  busy: false,

  async init() {
    try {
      const [info, project] = await Promise.all([
        call('app.info', {}, { quiet: true }),
        call('project.current', {}, { quiet: true }),
      ]);
      set({ info, ready: true, fatal: null });
      get().setProject(project);
    } catch (error) {
      set({ ready: true, fatal: errorMessage(error) });
    }
  },

  setProject(project) {
    const previous = get().project;
    const changed = previous?.path !== project?.path;
    set({ project });
    if (!changed) return;
    // Another project: ids in it mean other rows, so every workspace store starts over.
    session.bump();
    useVideos.getState().reset();
    useClips.getState().reset();
    useJobs.getState().reset();
    usePoses.getState().reset();
    if (project) {
      useVideos.getState().refresh().catch(ignore);
      useJobs.getState().refresh().catch(ignore);
    }
  },

  async open(path) {
    set({ busy: true });
    try {
      const project = await call('project.open', { path });
      get().setProject(project);
      return project;
    } finally {
      set({ busy: false });
    }
  },

  async create(path) {
    set({ busy: true });
    try {
      const project = await call('project.create', { path });
      get().setProject(project);
      return project;
    } finally {
      set({ busy: false });
    }
  },

  async pickAndOpen(mode) {
    const path = await call('dialog.pickProject', { mode });
    if (!path) return null;
    return mode === 'open' ? get().open(path) : get().create(path);
  },
}));
