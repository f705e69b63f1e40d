/**
 * Kinematics through the API, as the app and the CLI ask for it: a stored pose track of a
 * synthetic side-view walker whose joint angles are known by construction, computed raw and
 * filtered (the knee curve is the one that was built, walking left or right), with gaps as gaps in
 * the series and in the CSV; JSON export with gait events; and the refusals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../src/main/api/handlers';
import { storePoseSet } from '../../src/main/db/poses';
import { insertVideo } from '../../src/main/db/videos';
import { indexFrames, probeVideo } from '../../src/main/media/probe';
import { Workstation } from '../../src/main/workstation';
import type { KinematicsResult } from '../../src/shared/contract';
import { buildTrack, type PoseRow } from '../../src/shared/pose';
import { makeVideo, tempDir } from '../helpers/media';
import { walker, walkerRows as walkerRowsOf } from '../helpers/walker';

const tmp = tempDir('kinematics-api-');
afterAll(() => tmp.cleanup());

const FPS = 25;
const FRAMES = 100;
const STRIDE_S = 1.1;
const W = walker(STRIDE_S);
const knee = W.knee;
const thigh = W.thigh;
const walkerRows = (dir: 1 | -1, gap: number[] = []) =>
  walkerRowsOf(W, { frames: FRAMES, fps: FPS, dir, gap });

const series = (bytes: Uint8Array) =>
  new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

describe('kinematics requests', async () => {
  const path = makeVideo(join(tmp.dir, 'walk.mp4'), {
    width: 1280,
    height: 720,
    fps: FPS,
    seconds: FRAMES / FPS,
  });
  const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
  await ws.openProject(join(tmp.dir, 'k.kinema'), true);
  const probe = await probeVideo(path);
  const videoId = insertVideo(ws.db, probe, await indexFrames(probe));
  const store = (rows: PoseRow[]) =>
    storePoseSet(
      ws.db,
      videoId,
      {
        video: { width: 1280, height: 720, fps: FPS, frameCount: FRAMES },
        tracks: [buildTrack(0, 'coco17', rows)],
        provenance: { model: 'synthetic', params: {} },
      },
      { source: 'import', model: 'synthetic' },
    );
  const gap = [40, 41, 42, 43, 44];
  const rightward = store(walkerRows(1, gap));
  const leftward = store(walkerRows(-1));
  const call = (name: string, input: unknown) => handleRequest(ws, name, input);
  const compute = async (input: Record<string, unknown>) => {
    const r = await call('kinematics.compute', input);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as KinematicsResult;
  };
  afterAll(() => ws.closeProject());

  it('returns the knee curve the walker was built with, raw and filtered, the same walking left or right', async () => {
    for (const runId of [rightward, leftward]) {
      const r = await compute({ runId, trackId: 0 });
      expect(r).toMatchObject({
        fps: FPS,
        firstFrame: 0,
        frameCount: FRAMES,
        filter: { kind: 'butterworth', cutoffHz: 6 },
      });
      expect(r.angles.map((a) => a.name)).toEqual(
        expect.arrayContaining([
          'right_knee_flexion',
          'left_knee_flexion',
          'right_hip_flexion',
          'trunk_lean',
        ]),
      );
      // COCO-17 has no heel or toe: no ankle angle, and it says why.
      expect(r.unavailable.map((u) => u.name)).toContain('right_ankle_dorsiflexion');
      for (const side of ['left', 'right'] as const) {
        const a = r.angles.find((x) => x.name === `${side}_knee_flexion`)!;
        const raw = series(a.raw);
        const filtered = series(a.filtered);
        for (let f = 0; f < FRAMES; f++) {
          if (runId === rightward && side === 'right' && gap.includes(f)) continue;
          expect(raw[f]).toBeCloseTo(knee(f / FPS, side), 2);
          expect(Math.abs(filtered[f] - knee(f / FPS, side))).toBeLessThan(2);
        }
        expect(a.summary.max).toBeGreaterThan(50);
        expect(a.summary.min).toBeLessThan(12);
        const hip = series(r.angles.find((x) => x.name === `${side}_hip_flexion`)!.raw);
        expect(hip[10]).toBeCloseTo(thigh(10 / FPS, side), 1);
      }
    }
  });

  it('keeps gaps as gaps: NaN in the series, empty cells in the CSV (never 0)', async () => {
    const r = await compute({ runId: rightward, trackId: 0 });
    const a = r.angles.find((x) => x.name === 'right_knee_flexion')!;
    const raw = series(a.raw);
    const filtered = series(a.filtered);
    for (const f of gap) {
      expect(raw[f]).toBeNaN();
      expect(filtered[f]).toBeNaN();
    }
    expect(a.validFrames).toBe(FRAMES - gap.length);
    const out = join(tmp.dir, 'angles.csv');
    const exported = await call('kinematics.export', {
      runId: rightward,
      trackId: 0,
      format: 'csv',
      outPath: out,
    });
    expect(exported).toEqual({ ok: true, value: { path: out } });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    expect(head.slice(0, 2)).toEqual(['frame', 'time_s']);
    expect(lines).toHaveLength(FRAMES + 1);
    const col = head.indexOf('right_knee_flexion');
    const rawCol = head.indexOf('right_knee_flexion_raw');
    expect(lines[42].split(',')[col]).toBe(''); // frame 41
    expect(lines[42].split(',')[rawCol]).toBe('');
    expect(Number(lines[11].split(',')[col])).toBeCloseTo(knee(10 / FPS, 'right'), 0);
  });

  it('exports JSON with summaries and gait events that follow the stride', async () => {
    const out = join(tmp.dir, 'walk.json');
    const exported = await call('kinematics.export', {
      runId: leftward,
      trackId: 0,
      format: 'json',
      outPath: out,
    });
    expect(exported.ok).toBe(true);
    const json = JSON.parse(readFileSync(out, 'utf8')) as {
      angles: { name: string; filtered: (number | null)[]; summary: { range: number } }[];
      gait: { events: { side: string; kind: string; frame: number }[] } | null;
      gaitError: string | null;
    };
    expect(json.angles.find((a) => a.name === 'left_knee_flexion')!.summary.range).toBeGreaterThan(40);
    expect(json.gait, json.gaitError ?? '').not.toBeNull();
    const strikes = json
      .gait!.events.filter((e) => e.side === 'right' && e.kind === 'foot_strike')
      .map((e) => e.frame);
    expect(strikes.length).toBeGreaterThanOrEqual(2);
    // One right foot strike per stride.
    for (let i = 1; i < strikes.length; i++)
      expect(strikes[i] - strikes[i - 1]).toBeCloseTo(STRIDE_S * FPS, -0.5);
  });

  it('writes the printable HTML report: angle table, gait metrics, one chart per joint with gaps', async () => {
    const out = join(tmp.dir, 'walk.html');
    const exported = await call('kinematics.export', {
      runId: rightward,
      trackId: 0,
      format: 'html',
      outPath: out,
    });
    expect(exported).toEqual({ ok: true, value: { path: out } });
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/<h1>Kinematics of walk\.mp4<\/h1>/);
    expect(html).toMatch(/<td>right knee flexion<\/td><td>[\d.]+ <small>@\d+<\/small><\/td>/);
    expect(html).toMatch(/cadence [\d.]+ steps\/min/);
    expect(html).toContain('knee flexion (°)');
    // The right knee's gap (frames 40-44) breaks its line: two moves of the pen in that path.
    const knee = /<figure class="chart">(?:(?!<\/figure>)[^])*knee flexion \(°\)/.exec(html)?.[0] ?? '';
    const rightPath = /<path d="([^"]+)" fill="none" stroke="#1f77b4"/.exec(knee)?.[1] ?? '';
    expect(rightPath.match(/M/g)?.length).toBe(2);
  });

  it('computes a range, user-defined angles, and says what is wrong with bad requests', async () => {
    const r = await compute({
      runId: rightward,
      trackId: 0,
      inFrame: 20,
      outFrame: 60,
      filter: { kind: 'median', window: 5 },
      custom: [{ name: 'my_knee', kind: 'inner', points: ['right_hip', 'right_knee', 'right_ankle'] }],
    });
    expect(r).toMatchObject({ firstFrame: 20, frameCount: 40, filter: { kind: 'median', window: 5 } });
    const mine = series(r.angles.find((a) => a.name === 'my_knee')!.raw);
    expect(mine[0]).toBeCloseTo(180 - knee(20 / FPS, 'right'), 2);

    const one = await compute({ runId: rightward, trackId: 0, inFrame: 10, outFrame: 11 });
    expect(one.frameCount).toBe(1);
    expect(one.gait).toBeNull();
    expect(one.gaitError).toMatch(/One frame/);

    const bad = async (input: unknown, message: RegExp) => {
      const res = await call('kinematics.compute', input);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error.message).toMatch(message);
    };
    await bad({ runId: rightward, trackId: 7 }, /has no track 7 \(tracks: 0\)/);
    await bad({ runId: rightward, trackId: 0, inFrame: 200, outFrame: 300 }, /no pose in frames 200–299/);
    await bad({ runId: rightward, trackId: 0, inFrame: 30, outFrame: 30 }, /range is empty/);
    await bad(
      {
        runId: rightward,
        trackId: 0,
        custom: [{ name: 'x', kind: 'inner', points: ['right_hip', 'tail', 'right_ankle'] }],
      },
      /unknown point "tail"/,
    );
    await bad({ runId: rightward, trackId: 0, filter: { kind: 'butterworth', cutoffHz: 20 } }, /cutoff/i);
    await bad({ runId: rightward, trackId: 0, filter: { kind: 'wavelet' } }, /filter/);
  });
});
