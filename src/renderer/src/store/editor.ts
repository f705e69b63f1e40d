/**
 * The pose track correction editor (issue 4): edit mode on a run's corrected copy (`edits.open`;
 * the original run is never changed), the copy's tracks with per-keypoint provenance, its problems
 * and its undo history, the selected track and joint, the player's zoom and pan, and the live
 * gestures (a joint being dragged or nudged, a box being drawn, a smoothing preview).
 *
 * Every change goes through `edits.apply` / `edits.assist` / `edits.undo` / `edits.redo`: each is
 * committed in the project file when it returns, so leaving edit mode (or the app) loses nothing.
 * After each one the store reloads the run's tracks, provenance, problems and history, so what is
 * drawn is what is stored. The player draws this store's tracks for the edit run rather than the
 * pose store's, which caches runs by their size and would keep showing a keypoint where it was.
 */
import { create } from 'zustand';
import type { RequestInput, RequestOutput } from '../../../shared/contract';
import type { EditHistoryEntry, EditOutcome, EditRunInfo } from '../../../shared/contract-edits';
import type { EditSpecInput } from '../../../shared/editing/params';
import { KEYFRAME } from '../../../shared/editing/provenance';
import { call, errorMessage, ignore, on } from '../api';
import { FIT_VIEW, type BoxDraft, type Drag, type PreviewTrack, type View } from '../player/editOverlay';
import { decodeRun, findFrame, type RunData } from '../player/poseData';
import { usePlayer } from './player';
import { usePoses } from './poses';
import { useProject } from './project';
import { useToasts } from './toasts';
import { coalesced, session } from './util';

export type Problem = RequestOutput<'edits.problems'>[number];
export type ActionInfo = RequestOutput<'edits.actions'>['actions'][number];
export type Tool = 'select' | 'box';
export type PoseFormat = 'vpd' | 'alphapose' | 'coco' | 'openpose' | 'vp3d' | 'csv';
export type SmoothFilter = 'one-euro' | 'butterworth' | 'median';

/** Provenance bytes of one track, aligned with its frames. */
export interface TrackProvenance {
  trackId: number;
  frames: Int32Array;
  /** frames × K: low 3 bits provenance code, bit 3 occluded. */
  codes: Uint8Array;
  /** Per frame: bit 0 keyframe. */
  flags: Uint8Array;
  keyframes: number[];
}

export interface Preview {
  summary: string;
  edit: EditSpecInput;
  tracks: PreviewTrack[];
  /** Frames the preview covers (first track's), for the panel. */
  inFrame: number;
  outFrame: number;
}

interface EditorState {
  /** Edit mode is on: the player takes edit gestures and the editor's keys work. */
  active: boolean;
  opening: boolean;
  /** The edit run (kept after leaving edit mode so the player keeps drawing its fresh tracks). */
  runId: number | null;
  run: EditRunInfo | null;
  videoId: number | null;
  actions: ActionInfo[];
  data: RunData | null;
  /** Bumped whenever `data` or `prov` is replaced (tests and the lane key on it). */
  revision: number;
  prov: TrackProvenance | null;
  problems: Problem[];
  history: EditHistoryEntry[];
  canUndo: boolean;
  canRedo: boolean;
  undoSummary: string | null;
  redoSummary: string | null;
  trackId: number | null;
  joint: number | null;
  tool: Tool;
  view: View;
  drag: Drag | null;
  box: BoxDraft | null;
  /** A box drawn over the selected person: where a re-run (Shift+A) starts from at that frame. */
  seedBox: { frame: number; box: [number, number, number, number] } | null;
  preview: Preview | null;
  /** Requests in flight (edits, assists, reloads started by an edit). */
  pending: number;
  /** What a long request is doing ("Running the pose model…"), for the panel. */
  busy: string | null;
  /** The last thing done or refused, one line, for the panel. */
  status: string | null;
  /** Range-operation options the panel sets. */
  method: 'linear' | 'smooth';
  filter: SmoothFilter;
  filterValue: number;
  mergeWith: number | null;
  mergeOverlap: 'refuse' | 'keep-first';
  reassignTo: number | null;
  reassignConflict: 'refuse' | 'swap';
  exportFormat: PoseFormat;
  exportCorrections: 'include' | 'exclude';
  lastExport: string | null;
  /** The history entry clicked in the list. */
  shownEntry: number | null;

  /** Enters edit mode on `runId` (its newest corrected copy, made on first use). */
  enter(runId: number): Promise<void>;
  /** Leaves edit mode; every edit is already saved. */
  leave(): Promise<void>;
  reset(): void;
  /** Reloads the run's tracks, provenance, problems and history. */
  reload(): Promise<void>;
  selectTrack(trackId: number | null): void;
  selectJoint(joint: number | null): void;
  setTool(tool: Tool): void;
  setView(view: View): void;
  setDrag(drag: Drag | null): void;
  setBox(box: BoxDraft | null): void;
  setSeedBox(seed: EditorState['seedBox']): void;
  set(patch: Partial<OptionFields>): void;
  /** Applies one action as one undoable edit; resolves to the outcome, or null when refused. */
  apply(edit: EditSpecInput, what?: string): Promise<EditOutcome | null>;
  /** A model-assisted fix (add a person, re-run, propagate), one undoable edit. */
  assist(input: AssistRequest, what: string): Promise<EditOutcome | null>;
  /** Moves the selected joint by (dx, dy) video pixels; a burst of nudges is committed as one edit. */
  nudge(dx: number, dy: number): void;
  /** Commits a pending nudge now (before any other command). */
  flush(): Promise<void>;
  undo(): Promise<void>;
  redo(): Promise<void>;
  previewEdit(edit: EditSpecInput): Promise<void>;
  applyPreview(): Promise<void>;
  cancelPreview(): void;
  exportPoses(outPath?: string): Promise<string | null>;
  /** Keeps the editor in step with pushed events, the player and the project; returns the unsubscriber. */
  attach(): () => void;
}

type OptionFields = Pick<
  EditorState,
  | 'method'
  | 'filter'
  | 'filterValue'
  | 'mergeWith'
  | 'mergeOverlap'
  | 'reassignTo'
  | 'reassignConflict'
  | 'exportFormat'
  | 'exportCorrections'
  | 'shownEntry'
  | 'status'
>;

/** `edits.assist` without the run id, which the store adds. */
export type AssistRequest = DistributiveOmit<RequestInput<'edits.assist'>, 'runId'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Little-endian Int32 / Float32 bytes as a typed array (copied when unaligned or big-endian). */
function int32s(bytes: Uint8Array): Int32Array {
  const n = Math.floor(bytes.byteLength / 4);
  if (littleEndian && bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  return Int32Array.from({ length: n }, (_, i) => dv.getInt32(i * 4, true));
}
function float32s(bytes: Uint8Array): Float32Array {
  const n = Math.floor(bytes.byteLength / 4);
  if (littleEndian && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  return Float32Array.from({ length: n }, (_, i) => dv.getFloat32(i * 4, true));
}

/** Milliseconds of quiet after the last nudge before the burst is committed as one edit. */
const NUDGE_COMMIT_MS = 450;

const initial = {
  active: false,
  opening: false,
  runId: null,
  run: null,
  videoId: null,
  data: null,
  revision: 0,
  prov: null,
  problems: [],
  history: [],
  canUndo: false,
  canRedo: false,
  undoSummary: null,
  redoSummary: null,
  trackId: null,
  joint: null,
  tool: 'select' as Tool,
  view: FIT_VIEW,
  drag: null,
  box: null,
  seedBox: null,
  preview: null,
  pending: 0,
  busy: null,
  status: null,
  mergeWith: null,
  reassignTo: null,
  lastExport: null,
  shownEntry: null,
} satisfies Partial<EditorState>;

export const useEditor = create<EditorState>()((set, get) => {
  let nudgeTimer: ReturnType<typeof setTimeout> | null = null;

  const stale = (generation: number, runId: number) =>
    generation !== session.generation || get().runId !== runId;

  async function loadProvenance(runId: number, trackId: number): Promise<TrackProvenance> {
    const reply = await call('edits.provenance', { runId, trackId }, { quiet: true });
    return {
      trackId,
      frames: int32s(reply.frames),
      codes: reply.provenance,
      flags: reply.flags,
      keyframes: reply.keyframes,
    };
  }

  /**
   * Loads what is stored: first the tracks and the selected track's provenance (what the player
   * draws, so the edit shows as soon as possible), then the problems; `full` also reloads the run
   * and its history (after our own edits the outcome says how the history changed).
   */
  async function load(full: boolean): Promise<void> {
    const { runId, trackId: selected } = get();
    if (runId === null) return;
    const generation = session.generation;
    try {
      const [tracks, early] = await Promise.all([
        call('poses.tracks', { runId }, { quiet: true }),
        selected !== null ? loadProvenance(runId, selected).catch(() => null) : null,
      ]);
      if (stale(generation, runId)) return;
      const data = decodeRun(tracks);
      const ids = data.tracks.map((t) => t.trackId);
      const s = get();
      const trackId = s.trackId !== null && ids.includes(s.trackId) ? s.trackId : (ids[0] ?? null);
      const prov =
        early && early.trackId === trackId
          ? early
          : trackId !== null
            ? await loadProvenance(runId, trackId)
            : null;
      if (stale(generation, runId)) return;
      const others = ids.filter((id) => id !== trackId);
      set({
        data,
        prov,
        trackId,
        joint: trackId === s.trackId ? s.joint : null,
        mergeWith: s.mergeWith !== null && others.includes(s.mergeWith) ? s.mergeWith : (others[0] ?? null),
        revision: s.revision + 1,
        // The dragged joint is drawn where it landed until the reloaded tracks show it there.
        drag: nudgeTimer ? s.drag : null,
      });
      const [problems, history, opened] = await Promise.all([
        call('edits.problems', { runId }, { quiet: true }),
        full ? call('edits.history', { runId }, { quiet: true }) : null,
        full ? call('edits.open', { runId }, { quiet: true }) : null,
      ]);
      if (stale(generation, runId)) return;
      set({
        problems,
        ...(opened ? { run: opened.run } : {}),
        ...(history
          ? {
              history: history.entries,
              canUndo: history.canUndo,
              canRedo: history.canRedo,
              undoSummary: history.undoSummary,
              redoSummary: history.redoSummary,
            }
          : {}),
      });
    } catch (error) {
      if (!stale(generation, runId)) set({ status: `Could not load the edit run: ${errorMessage(error)}` });
    }
  }

  const reload = coalesced(() => load(true));
  /** After our own edit: the tracks and problems (the history is updated from the outcome). */
  const refresh = coalesced(() => load(false));

  /** The history as an outcome changed it: a new entry drops the redo entries; undo/redo flip one. */
  function noteEntry(entry: EditHistoryEntry): void {
    set((s) => {
      const known = s.history.some((h) => h.id === entry.id);
      return {
        history: known
          ? s.history.map((h) => (h.id === entry.id ? entry : h))
          : [...s.history.filter((h) => !h.undone), entry],
      };
    });
  }

  /** Runs one request that changes the run, then reloads; the outcome's history flags first. */
  async function mutate(
    what: string,
    request: () => Promise<EditOutcome>,
    busy?: string,
  ): Promise<EditOutcome | null> {
    set((s) => ({ pending: s.pending + 1, busy: busy ?? s.busy }));
    try {
      const outcome = await request();
      set({
        canUndo: outcome.canUndo,
        canRedo: outcome.canRedo,
        undoSummary: outcome.undoSummary,
        redoSummary: outcome.redoSummary,
        status: outcome.entry ? `${what}: ${outcome.entry.summary}` : `${what}: nothing changed.`,
      });
      if (outcome.entry) {
        noteEntry(outcome.entry);
        await refresh();
      } else set({ drag: null });
      return outcome;
    } catch (error) {
      // `call` showed the refusal as a toast; the panel keeps it too.
      set({ drag: null, status: `${what}: ${errorMessage(error)}` });
      return null;
    } finally {
      set((s) => ({ pending: Math.max(0, s.pending - 1), busy: busy ? null : s.busy }));
    }
  }

  async function commitDrag(): Promise<void> {
    if (nudgeTimer) clearTimeout(nudgeTimer);
    nudgeTimer = null;
    const { drag, runId } = get();
    if (!drag || runId === null) return;
    await mutate('Move', () =>
      call('edits.apply', {
        runId,
        edit: {
          action: 'moveKeypoint',
          trackId: drag.trackId,
          frame: drag.frame,
          joint: drag.joint,
          x: Math.round(drag.x * 100) / 100,
          y: Math.round(drag.y * 100) / 100,
        },
      }),
    );
  }

  return {
    ...initial,
    actions: [],
    method: 'linear',
    filter: 'one-euro',
    filterValue: 1,
    mergeOverlap: 'refuse',
    reassignConflict: 'refuse',
    exportFormat: 'coco',
    exportCorrections: 'include',

    async enter(runId) {
      if (get().opening) return;
      // Counted as in flight until the copy's tracks are loaded (tests wait on it).
      set((s) => ({ opening: true, pending: s.pending + 1 }));
      const generation = session.generation;
      try {
        await get().flush();
        const opened = await call('edits.open', { runId });
        if (generation !== session.generation) return;
        const id = opened.run.id;
        const same = get().runId === id;
        set({
          ...(same ? {} : { ...initial, pending: get().pending, revision: get().revision + 1 }),
          active: true,
          runId: id,
          run: opened.run,
          videoId: opened.run.videoId,
          canUndo: opened.canUndo,
          canRedo: opened.canRedo,
          undoSummary: opened.undoSummary,
          redoSummary: opened.redoSummary,
          status: opened.created
            ? `Editing a corrected copy of run #${runId} (run #${id}); run #${runId} is kept as it was.`
            : `Editing run #${id}, the corrected copy of run #${opened.run.sourceRunId ?? '?'}.`,
        });
        if (!get().actions.length)
          call('edits.actions', {}, { quiet: true })
            .then((a) => set({ actions: a.actions }))
            .catch(ignore);
        // The pose list and the player show the corrected copy.
        const poses = usePoses.getState();
        if (!poses.runs.some((r) => r.id === id)) await poses.refresh();
        usePoses.getState().selectRun(id);
        if (!usePoses.getState().overlay) usePoses.getState().setOverlay(true);
        await reload();
      } catch {
        // `call` showed why (a run still being detected, a run without poses).
      } finally {
        set((s) => ({ opening: false, pending: Math.max(0, s.pending - 1) }));
      }
    },

    async leave() {
      await get().flush();
      set({ active: false, tool: 'select', box: null, preview: null, view: FIT_VIEW, busy: null });
    },

    reset() {
      if (nudgeTimer) clearTimeout(nudgeTimer);
      nudgeTimer = null;
      set({ ...initial, revision: get().revision + 1 });
    },

    reload,

    selectTrack(trackId) {
      const { runId, trackId: current } = get();
      if (trackId === current) return;
      set({ trackId, joint: null, prov: null, preview: null });
      if (runId === null || trackId === null) return;
      const generation = session.generation;
      loadProvenance(runId, trackId)
        .then((prov) => {
          if (!stale(generation, runId) && get().trackId === trackId)
            set((s) => ({ prov, revision: s.revision + 1 }));
        })
        .catch(ignore);
      const others = (get().data?.tracks ?? []).map((t) => t.trackId).filter((id) => id !== trackId);
      const { mergeWith } = get();
      if (mergeWith === null || mergeWith === trackId) set({ mergeWith: others[0] ?? null });
    },

    selectJoint(joint) {
      if (get().joint !== joint) set({ joint });
    },

    setTool(tool) {
      set({ tool, box: null });
    },

    setView(view) {
      set({ view });
    },

    setDrag(drag) {
      set({ drag });
    },

    setBox(box) {
      set({ box });
    },

    setSeedBox(seedBox) {
      set({ seedBox });
    },

    set(patch) {
      set(patch);
    },

    async apply(edit, what) {
      const { runId } = get();
      if (runId === null) return null;
      await get().flush();
      const label = what ?? get().actions.find((a) => a.name === edit.action)?.label ?? edit.action;
      return mutate(label, () => call('edits.apply', { runId, edit }));
    },

    async assist(input, what) {
      const { runId } = get();
      if (runId === null) return null;
      await get().flush();
      return mutate(
        what,
        () => call('edits.assist', { ...input, runId } as RequestInput<'edits.assist'>),
        'Running the pose model…',
      );
    },

    nudge(dx, dy) {
      const { trackId, joint, data, drag } = get();
      const frame = usePlayer.getState().frame;
      if (trackId === null || joint === null || !data) {
        useToasts.getState().error('Select a joint first: Tab, its number, or click it.');
        return;
      }
      let base =
        drag && drag.trackId === trackId && drag.joint === joint && drag.frame === frame ? drag : null;
      if (!base) {
        const track = data.tracks.find((t) => t.trackId === trackId);
        const i = track ? findFrame(track.frames, frame) : -1;
        if (!track || i < 0) {
          useToasts.getState().error(`Track ${trackId} has no pose at frame ${frame}.`);
          return;
        }
        const o = (i * data.k + joint) * 3;
        base = { trackId, joint, frame, x: track.keypoints[o], y: track.keypoints[o + 1] };
      }
      set({ drag: { ...base, x: base.x + dx, y: base.y + dy } });
      if (nudgeTimer) clearTimeout(nudgeTimer);
      nudgeTimer = setTimeout(() => void commitDrag(), NUDGE_COMMIT_MS);
    },

    async flush() {
      if (nudgeTimer) await commitDrag();
    },

    async undo() {
      const { runId, canUndo } = get();
      if (runId === null) return;
      await get().flush();
      if (!canUndo && !get().canUndo) {
        set({ status: 'Nothing to undo.' });
        return;
      }
      set({ preview: null });
      await mutate('Undid', () => call('edits.undo', { runId }));
    },

    async redo() {
      const { runId } = get();
      if (runId === null) return;
      await get().flush();
      if (!get().canRedo) {
        set({ status: 'Nothing to redo.' });
        return;
      }
      set({ preview: null });
      await mutate('Redid', () => call('edits.redo', { runId }));
    },

    async previewEdit(edit) {
      const { runId } = get();
      if (runId === null) return;
      await get().flush();
      set((s) => ({ pending: s.pending + 1, busy: 'Computing the preview…' }));
      try {
        const reply = await call('edits.preview', { runId, edit });
        if (get().runId !== runId) return;
        if (!reply.tracks.length) {
          set({ preview: null, status: `Preview: ${reply.summary} would change nothing.` });
          return;
        }
        const tracks = reply.tracks.map((t) => ({
          trackId: t.trackId,
          frames: int32s(t.frames),
          keypoints: float32s(t.keypoints),
        }));
        set({
          preview: {
            summary: reply.summary,
            edit,
            tracks,
            inFrame: reply.tracks[0].inFrame,
            outFrame: reply.tracks[0].outFrame,
          },
          status: `Preview: ${reply.summary}. Enter applies it, Esc cancels.`,
        });
      } catch (error) {
        set({ preview: null, status: `Preview: ${errorMessage(error)}` });
      } finally {
        set((s) => ({ pending: Math.max(0, s.pending - 1), busy: null }));
      }
    },

    async applyPreview() {
      const preview = get().preview;
      if (!preview) return;
      set({ preview: null });
      await get().apply(preview.edit);
    },

    cancelPreview() {
      if (get().preview) set({ preview: null, status: 'Preview cancelled.' });
    },

    async exportPoses(outPath) {
      const { runId, exportFormat, exportCorrections } = get();
      if (runId === null) return null;
      await get().flush();
      set((s) => ({ pending: s.pending + 1, busy: 'Exporting…' }));
      try {
        const { path } = await call('edits.exportPoses', {
          runId,
          format: exportFormat,
          corrections: exportCorrections,
          ...(outPath ? { outPath } : {}),
        });
        set({
          lastExport: path,
          status: `Exported ${exportFormat} (${exportCorrections === 'include' ? 'with' : 'without'} corrections) to ${path}`,
        });
        useToasts.getState().info(`Poses written to ${path}`);
        return path;
      } catch {
        return null;
      } finally {
        set((s) => ({ pending: Math.max(0, s.pending - 1), busy: null }));
      }
    },

    attach() {
      const offs = [
        // Another window, the CLI or an undo elsewhere changed the run: show what is stored. Our
        // own edits reload when they return, so their events are skipped while they are in flight.
        on('poses.changed', ({ videoId }) => {
          const s = get();
          if (s.runId !== null && s.videoId === videoId && s.pending === 0) reload().catch(ignore);
        }),
        usePlayer.subscribe((p, prev) => {
          if (p.videoId !== prev.videoId) {
            get().reset();
            return;
          }
          // A nudge burst belongs to its frame: commit it before the playhead moves on.
          if (p.frame !== prev.frame && nudgeTimer) get().flush().catch(ignore);
        }),
        useProject.subscribe((p, prev) => {
          if (p.project?.path !== prev.project?.path) get().reset();
        }),
        usePoses.subscribe((p, prev) => {
          // A deleted edit run cannot be edited any more.
          const { runId, opening } = get();
          if (runId !== null && !opening && p.runs !== prev.runs && p.loaded && p.videoId === get().videoId)
            if (!p.runs.some((r) => r.id === runId)) get().reset();
        }),
      ];
      return () => offs.forEach((off) => off());
    },
  };
});

/** Whether frame `frame` of the selected track is a keyframe. */
export function isKeyframe(prov: TrackProvenance | null, frame: number): boolean {
  if (!prov) return false;
  const i = findFrame(prov.frames, frame);
  return i >= 0 && (prov.flags[i] & KEYFRAME) !== 0;
}
