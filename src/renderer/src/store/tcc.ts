/**
 * TCC in the Align view: the project's trained encoders (`tcc.models`, refreshed on
 * 'models.changed'), the Train TCC dialog, and the embedding map (`tcc.map`) of several clips.
 * Replies to superseded map requests or another project are dropped.
 */
import { create } from 'zustand';
import type { RequestInput, RequestOutput } from '../../../shared/contract';
import type { TrainedModelInfo } from '../../../shared/series';
import { call, errorMessage, ignore, on } from '../api';
import { useToasts } from './toasts';
import { coalesced, session } from './util';

export type TccMap = RequestOutput<'tcc.map'>;
export type TrainRequest = RequestInput<'tcc.train'>;

interface TccState {
  models: TrainedModelInfo[];
  trainOpen: boolean;
  /** Whether the Align view shows the embedding map panel. */
  mapOpen: boolean;
  /** The map shown (null before the first one). */
  map: TccMap | null;
  mapping: boolean;
  mapError: string | null;
  openTrain(): void;
  closeTrain(): void;
  toggleMap(): void;
  /** Starts the training job; resolves with the job id, or rejects with the API's message. */
  train(input: TrainRequest): Promise<number>;
  loadMap(model: string, clipIds: number[]): Promise<void>;
  /** Fetches the models and follows 'models.changed' while the view is shown. */
  attach(): () => void;
}

/** The clips a model was trained on (its params), as the map's default choice. */
export function trainedClipIds(model: TrainedModelInfo | undefined): number[] {
  const ids = model?.params.clipIds;
  return Array.isArray(ids) ? ids.filter((x): x is number => typeof x === 'number') : [];
}

export const useTcc = create<TccState>()((set) => {
  let mapRequest = 0;
  const refreshModels = coalesced(async () => {
    const generation = session.generation;
    try {
      const models = await call('tcc.models', {}, { quiet: true });
      if (generation === session.generation) set({ models });
    } catch {
      // The feature choice then offers the training-free features only.
    }
  });
  let seenGeneration = session.generation;

  return {
    models: [],
    trainOpen: false,
    mapOpen: false,
    map: null,
    mapping: false,
    mapError: null,
    openTrain() {
      set({ trainOpen: true });
    },
    closeTrain() {
      set({ trainOpen: false });
    },
    toggleMap() {
      set((s) => ({ mapOpen: !s.mapOpen }));
    },
    async train(input) {
      const started = await call('tcc.train', input, { quiet: true });
      useToasts
        .getState()
        .info(`Training TCC model "${started.name}" on ${started.clipIds.length} clips (see Jobs)`);
      return started.jobId;
    },
    async loadMap(model, clipIds) {
      const mine = ++mapRequest;
      const generation = session.generation;
      set({ mapping: true, mapError: null });
      try {
        const map = await call('tcc.map', { model, clipIds }, { quiet: true });
        if (mine !== mapRequest || generation !== session.generation) return;
        set({ map, mapping: false });
      } catch (error) {
        if (mine !== mapRequest || generation !== session.generation) return;
        set({ mapping: false, mapError: errorMessage(error), map: null });
      }
    },
    attach() {
      if (seenGeneration !== session.generation) {
        seenGeneration = session.generation;
        mapRequest++;
        set({ models: [], map: null, mapError: null, mapping: false });
      }
      refreshModels().catch(ignore);
      const offs = [on('models.changed', () => refreshModels().catch(ignore))];
      return () => offs.forEach((off) => off());
    },
  };
});

/** Whether the Train TCC dialog holds the keyboard (the Align view's keys stand back). */
export function tccDialogOpen(): boolean {
  return useTcc.getState().trainOpen;
}

/** Colours of the map's clips, by position (distinct for the first ten, then by golden angle). */
const MAP_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
export function mapColor(index: number): string {
  return index < MAP_PALETTE.length
    ? MAP_PALETTE[index]
    : `hsl(${Math.round((index * 137.5) % 360)}, 65%, 55%)`;
}
