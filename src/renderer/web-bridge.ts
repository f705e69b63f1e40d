/**
 * Web mode's stand-in for the Electron preload: builds `window.kinema` over a WebSocket to the
 * local Kinema server. The server injects this script before the app's own; the app never
 * imports it and cannot tell it from the preload.
 */
import type { Envelope } from '../shared/errors';
import { createKinemaApi } from '../shared/client';
import { decodeMessage, encodeMessage, type ServerMessage } from '../shared/wire';

const TOKEN_KEY = 'kinema.token';

function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    // Keep the token out of the address bar, history and screenshots.
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

const token = takeToken();
let socket: WebSocket | null = null;
let opening: Promise<WebSocket> | null = null;
let nextId = 1;
const pending = new Map<number, (envelope: Envelope<unknown>) => void>();
let eventSink: (name: string, payload: unknown) => void = () => {};

function connect(): Promise<WebSocket> {
  if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
  if (opening) return opening;
  opening = new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${window.location.host}/api?token=${encodeURIComponent(token)}`);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      socket = ws;
      opening = null;
      resolve(ws);
    };
    ws.onerror = () => {
      opening = null;
      reject(
        new Error(
          'Cannot reach the Kinema server. Is `npm run serve` still running, and was the page opened with its token link?',
        ),
      );
    };
    ws.onclose = () => {
      socket = null;
      for (const [id, settle] of pending) {
        pending.delete(id);
        settle({
          ok: false,
          error: { code: 'DISCONNECTED', message: 'The connection to the Kinema server was lost.' },
        });
      }
    };
    ws.onmessage = (event) => {
      const message = decodeMessage(new Uint8Array(event.data as ArrayBuffer)) as ServerMessage;
      if (message.type === 'response') {
        pending.get(message.id)?.(message.envelope as Envelope<unknown>);
        pending.delete(message.id);
      } else if (message.type === 'event') {
        eventSink(message.name, message.payload);
      }
    };
  });
  return opening;
}

const api = createKinemaApi(
  {
    async request(name, input) {
      let ws: WebSocket;
      try {
        ws = await connect();
      } catch (error) {
        return { ok: false, error: { code: 'DISCONNECTED', message: (error as Error).message } };
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(encodeMessage({ type: 'request', id, name, input }));
      });
    },
    onEvent(sink) {
      eventSink = sink;
      void connect().catch(() => {});
    },
  },
  () => null,
);

Object.defineProperty(window, 'kinema', { value: Object.freeze(api), writable: false });
