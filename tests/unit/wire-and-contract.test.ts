import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/shared/wire';
import { handleRequest } from '../../src/main/api/handlers';
import { Workstation } from '../../src/main/workstation';
import { formatTimecode } from '../../src/shared/timecode';
import { tempDir } from '../helpers/media';

describe('wire codec', () => {
  it('round-trips nested values with binary parts', () => {
    const message = {
      type: 'response',
      id: 7,
      envelope: {
        ok: true,
        value: [
          { frame: 3, jpeg: new Uint8Array([255, 216, 1, 2]) },
          { frame: 4, jpeg: new Uint8Array(0) },
        ],
      },
    };
    const back = decodeMessage(encodeMessage(message)) as typeof message;
    expect(back.envelope.value[0].jpeg).toEqual(new Uint8Array([255, 216, 1, 2]));
    expect(back.envelope.value[1].jpeg).toEqual(new Uint8Array(0));
    expect(back.id).toBe(7);
  });

  it('rejects malformed messages', () => {
    expect(() => decodeMessage(new Uint8Array([0, 0]))).toThrow(/too short/);
    expect(() => decodeMessage(new Uint8Array([0, 0, 0, 99, 1]))).toThrow(/header overruns/);
    const good = encodeMessage({ a: new Uint8Array([1, 2, 3]) });
    expect(() => decodeMessage(good.subarray(0, good.length - 1))).toThrow(/truncated binary part/);
  });
});

describe('contract validation', () => {
  const tmp = tempDir('contract-');
  const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
  beforeAll(async () => {
    await ws.openProject(join(tmp.dir, 'c.kinema'), true);
  });
  afterAll(async () => {
    await ws.closeProject();
    tmp.cleanup();
  });

  it('rejects unknown requests and malformed payloads before any handler runs', async () => {
    expect(await handleRequest(ws, 'fs.deleteEverything', {})).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_REQUEST' },
    });
    const bad = await handleRequest(ws, 'clips.create', { videoId: -1, inFrame: 1.5, outFrame: 'x' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(!bad.ok && bad.error.message).toMatch(/videoId/);
    expect(await handleRequest(ws, 'videos.import', { paths: [] })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/at least one video/) },
    });
    expect(await handleRequest(ws, 'videos.list', { extra: true })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
  });

  it('returns user-facing errors as envelopes and leaves the project unchanged', async () => {
    const r = await handleRequest(ws, 'videos.import', { paths: [join(tmp.dir, 'missing.mp4')] });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/File not found/) },
    });
    expect(await handleRequest(ws, 'jobs.list', {})).toEqual({ ok: true, value: [] });
    expect(await handleRequest(ws, 'videos.list', {})).toEqual({ ok: true, value: [] });
    expect(await handleRequest(ws, 'media.frame', { videoId: 5, frame: 0 })).toMatchObject({
      ok: false,
      error: { message: 'Video 5 is not in this project.' },
    });
  });
});

describe('timecode', () => {
  it('formats frames as mm:ss.ff', () => {
    expect(formatTimecode(0, 25)).toBe('00:00.00');
    expect(formatTimecode(26, 25)).toBe('00:01.01');
    expect(formatTimecode(60 * 30 + 29, 30)).toBe('01:00.29');
  });
});
