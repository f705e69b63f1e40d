/**
 * Web mode's security and protocol: loopback only, token required, foreign Host and Origin
 * refused, CSP on every page, payloads validated, binary results carried intact.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/shared/wire';
import { assertBuilt, startServe } from '../helpers/app';
import { makeVideo, tempDir } from '../helpers/media';

const tmp = tempDir('web-');
let server: Awaited<ReturnType<typeof startServe>>;
let base: URL;

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: base.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(token: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${base.port}/api?token=${encodeURIComponent(token)}`,
      origin ? { origin } : {},
    );
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

let nextId = 1;
function call(
  ws: WebSocket,
  name: string,
  input: unknown,
): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const msg = decodeMessage(new Uint8Array(data)) as { type: string; id: number; envelope: never };
      if (msg.type === 'response' && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg.envelope);
      }
    };
    ws.on('message', onMessage);
    ws.send(encodeMessage({ type: 'request', id, name, input }));
  });
}

beforeAll(async () => {
  assertBuilt();
  server = await startServe(join(tmp.dir, 'web.kinema'), { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') });
  base = new URL(server.url);
});
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

describe('web mode', () => {
  it('binds to 127.0.0.1 with a long random token in the printed URL', () => {
    expect(base.hostname).toBe('127.0.0.1');
    expect(base.searchParams.get('token')!.length).toBeGreaterThanOrEqual(32);
  });

  it('serves the renderer with a CSP and the bridge injected, and refuses foreign hosts and path tricks', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-security-policy'])).toMatch(/default-src 'self'; script-src 'self'/);
    expect(page.body).toMatch(/<script type="module" src="\/web-bridge\.js"><\/script>/);
    expect((await get('/', { Host: 'evil.example:80' })).status).toBe(421);
    for (const sneaky of ['/../../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json']) {
      const r = await get(sneaky);
      expect([403, 404], sneaky).toContain(r.status);
      expect(r.body).not.toContain('"name": "kinema"');
    }
  });

  it('refuses WebSocket connections without the token or from another origin', async () => {
    await expect(connect('wrong-token')).rejects.toThrow(/401/);
    await expect(connect(base.searchParams.get('token')!, 'http://evil.example')).rejects.toThrow(/401/);
  });

  it('answers contract requests, validates payloads and carries binary data', async () => {
    const ws = await connect(base.searchParams.get('token')!, `http://127.0.0.1:${base.port}`);
    const project = await call(ws, 'project.current', {});
    expect(project).toMatchObject({ ok: true, value: { name: 'web' } });
    expect(await call(ws, 'clips.create', { videoId: 'one' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });

    const video = makeVideo(join(tmp.dir, 'w.mp4'), {
      width: 320,
      height: 240,
      fps: 25,
      seconds: 1,
      gop: 25,
    });
    const events: string[] = [];
    ws.on('message', (d: Buffer) => {
      const m = decodeMessage(new Uint8Array(d)) as {
        type: string;
        name: string;
        payload: { state?: string };
      };
      if (m.type === 'event') events.push(`${m.name}:${m.payload?.state ?? ''}`);
    });
    const imported = await call(ws, 'videos.import', { paths: [video] });
    expect(imported).toMatchObject({ ok: true });
    expect(await call(ws, 'videos.import', { paths: [video] })).toMatchObject({
      ok: false,
      error: { code: 'ALREADY_IMPORTING', message: 'w.mp4 is already being imported.' },
    });
    const deadline = Date.now() + 60_000;
    while (!events.includes('job.updated:done') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(events).toContain('job.updated:running');
    expect(events).toContain('job.updated:done');
    const frame = (await call(ws, 'media.frame', { videoId: 1, frame: 12 })) as {
      ok: true;
      value: { jpeg: Uint8Array; width: number; frame: number };
    };
    expect(frame.ok).toBe(true);
    expect(frame.value).toMatchObject({ frame: 12, width: 320, height: 240 });
    expect([...frame.value.jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect(await call(ws, 'media.frame', { videoId: 1, frame: 25 })).toMatchObject({
      ok: false,
      error: { message: 'Frame 25 is out of range: w.mp4 has frames 0 to 24.' },
    });
    ws.close();
  });
});
