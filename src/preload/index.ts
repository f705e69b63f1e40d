/**
 * The Electron preload: exposes `window.kinema`, built from the shared contract, and nothing
 * else. Runs sandboxed with context isolation, so only this object crosses into the page.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createKinemaApi } from '../shared/client';
import type { Envelope } from '../shared/errors';

const api = createKinemaApi(
  {
    request: (name, input) => ipcRenderer.invoke('kinema:request', name, input) as Promise<Envelope<unknown>>,
    onEvent(sink) {
      ipcRenderer.on('kinema:event', (_event, name: string, payload: unknown) => sink(name, payload));
    },
  },
  (file) => {
    try {
      return webUtils.getPathForFile(file) || null;
    } catch {
      return null;
    }
  },
);

contextBridge.exposeInMainWorld('kinema', api);
