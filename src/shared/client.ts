/**
 * Builds `window.kinema` from a transport. The Electron preload and the web-mode bridge each
 * supply a transport; everything the renderer sees is built here, so the two cannot differ.
 */
import type {
  EventName,
  EventPayload,
  KinemaApi,
  RequestInput,
  RequestName,
  RequestOutput,
} from './contract';
import { unwrap, type Envelope } from './errors';

export interface Transport {
  request(name: string, input: unknown): Promise<Envelope<unknown>>;
  /** Registers the single sink for pushed events. */
  onEvent(sink: (name: string, payload: unknown) => void): void;
}

export function createKinemaApi(transport: Transport, pathForFile: (file: File) => string | null): KinemaApi {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  transport.onEvent((name, payload) => {
    for (const listener of listeners.get(name) ?? []) listener(payload);
  });
  return {
    async invoke<K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>> {
      return unwrap(await transport.request(name, input)) as RequestOutput<K>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    pathForFile,
  };
}
