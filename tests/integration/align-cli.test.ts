/**
 * `kinema align` against the built app: two generated videos carrying a synthetic walker's poses
 * (the learner a slowed, time-warped copy of the reference with the left knee bent 12° more in
 * the middle of the motion), aligned end to end and as a subsequence; the findings, the HTML
 * report and the rendered side-by-side video are checked, and bad arguments refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { probeVideo } from '../../src/main/media/probe';
import { buildTrack } from '../../src/shared/pose';
import { assertBuilt, cli } from '../helpers/app';
import { makeVideo, tempDir } from '../helpers/media';
import { walkPair } from '../helpers/walker';

const tmp = tempDir('align-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'align.kinema');
const pair = walkPair();
const run = (args: string[]) => cli([...args, '--project', project], env);
let learnerRun = 0;
let referenceRun = 0;

beforeAll(() => {
  assertBuilt();
  const learnerVideo = makeVideo(join(tmp.dir, 'learner.mp4'), {
    width: 640,
    height: 360,
    fps: pair.fps,
    seconds: 4,
  });
  const referenceVideo = makeVideo(join(tmp.dir, 'reference.mp4'), {
    width: 480,
    height: 360,
    fps: pair.fps,
    seconds: 6,
  });
  expect(run(['init']).code).toBe(0);
  for (const [i, path] of [learnerVideo, referenceVideo].entries())
    expect(run(['import', path]).stdout).toContain(`Imported video ${i + 1}`);
  const store = (rows: typeof pair.learner, videoId: number, name: string, width: number) => {
    const file = join(tmp.dir, `${name}.json`);
    writeCocoKeypoints(file, {
      video: { width, height: 360, fps: pair.fps, name },
      tracks: [buildTrack(0, 'coco17', rows)],
      provenance: { model: 'synthetic', params: {} },
    });
    const r = run(['import-poses', file, '--video', String(videoId), '--format', 'coco', '--json']);
    expect(r.stderr).toBe('');
    return (JSON.parse(r.stdout) as { id: number }).id;
  };
  learnerRun = store(pair.learner, 1, 'learner', 640);
  referenceRun = store(pair.reference, 2, 'reference', 480);
});
afterAll(() => tmp.cleanup());

describe('kinema align', () => {
  it('finds the bent knee and the slower motion, writes the report and renders the side-by-side video', async () => {
    const report = join(tmp.dir, 'report.html');
    const video = join(tmp.dir, 'aligned.mp4');
    const r = run([
      'align',
      '--learner',
      `${learnerRun}:0:${pair.lead}-${pair.lead + pair.learnerFrames - 1}`,
      '--reference',
      String(referenceRun),
      '--report',
      report,
      '--video',
      video,
      '--json',
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      learner: { start: number; end: number };
      reference: { start: number; end: number };
      learnerToReference: number[];
      findings: { kind: string; text: string; learnerFrame: number }[];
      report: string;
      video: string;
    };
    expect(out.learner).toEqual({ start: pair.lead, end: pair.lead + pair.learnerFrames - 1 });
    expect(out.reference).toEqual({
      start: pair.referenceFirst,
      end: pair.referenceFirst + pair.referenceFrames - 1,
    });
    // The recovered correspondence follows the known warp (median error ≤ 1 frame).
    const err = out.learnerToReference
      .map((r, i) => Math.abs(r - (pair.referenceFirst + pair.warp(i) * pair.fps)))
      .sort((a, b) => a - b);
    expect(err[err.length >> 1]).toBeLessThanOrEqual(1);
    const texts = out.findings.map((f) => f.text);
    expect(texts.some((t) => /^Left knee \d+° more bent than the reference in the middle/.test(t))).toBe(
      true,
    );
    expect(texts.some((t) => /takes 2\.67 s, 21 % longer/.test(t))).toBe(true);

    expect(out.report).toBe(report);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('Left knee');
    expect(html.match(/<img src="data:image\/jpeg;base64,/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('Warping path');

    expect(out.video).toBe(video);
    const probe = await probeVideo(video);
    expect(probe.width).toBe(640 + 480);
    expect(probe.height).toBe(360);
    expect(probe.declaredFrames).toBe(pair.learnerFrames);
    expect(existsSync(join(tmp.dir, '.aligned.partial.mp4'))).toBe(false);
  });

  it('aligns on lifted 3D poses, storing each lift for the next alignment', () => {
    const args = [
      'align',
      '--learner',
      `${learnerRun}:0:${pair.lead}-${pair.lead + pair.learnerFrames - 1}`,
      '--reference',
      String(referenceRun),
      '--features',
      'lifted3d',
      '--json',
    ];
    const r = run(args);
    expect(r.stderr).not.toMatch(/error/);
    const out = JSON.parse(r.stdout) as { learnerToReference: number[]; features: string[] };
    expect(out.features.join(' ')).toMatch(/lifted 3D/);
    const err = out.learnerToReference
      .map((f, i) => Math.abs(f - (pair.referenceFirst + pair.warp(i) * pair.fps)))
      .sort((a, b) => a - b);
    expect(err[err.length >> 1]).toBeLessThanOrEqual(2);
    const db = new Database(project, { readonly: true });
    const lifts = () =>
      db.prepare("SELECT run_id, width, skeleton_id FROM frame_series WHERE kind = 'joints3d'").all();
    expect(lifts()).toEqual([
      { run_id: learnerRun, width: 51, skeleton_id: 'h36m17' },
      { run_id: referenceRun, width: 51, skeleton_id: 'h36m17' },
    ]);
    // Again: the stored lifts are reused (no new rows), same answer.
    const again = JSON.parse(run(args).stdout) as { learnerToReference: number[] };
    expect(again.learnerToReference).toEqual(out.learnerToReference);
    expect(lifts()).toHaveLength(2);
    db.close();
  });

  it('finds where the reference motion starts inside the untrimmed learner video', () => {
    const r = run([
      'align',
      '--learner',
      String(learnerRun),
      '--reference',
      String(referenceRun),
      '--mode',
      'subsequence',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { learner: { start: number; end: number } };
    expect(Math.abs(out.learner.start - pair.lead)).toBeLessThanOrEqual(3);
    expect(Math.abs(out.learner.end - (pair.lead + pair.learnerFrames - 1))).toBeLessThanOrEqual(3);
    const text = run([
      'align',
      '--learner',
      String(learnerRun),
      '--reference',
      String(referenceRun),
      '--mode',
      'subsequence',
    ]);
    expect(text.stdout).toMatch(/Aligned learner frames \d+–\d+ to reference frames 100–165 \(subsequence/);
    expect(text.stdout).toMatch(/• Left knee/);
  });

  it('refuses bad sides, modes and features, saying what is expected', () => {
    const bad = (args: string[], message: RegExp) => {
      const r = run(['align', ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
    };
    bad(
      ['--learner', 'one', '--reference', String(referenceRun)],
      /--learner must be RUN\[:TRACK\]\[:IN-OUT\]/,
    );
    bad(['--learner', `${learnerRun}:4`, '--reference', String(referenceRun)], /has no track 4/);
    bad(
      ['--learner', String(learnerRun), '--reference', String(referenceRun), '--mode', 'x'],
      /--mode must be/,
    );
    bad(
      ['--learner', String(learnerRun), '--reference', String(referenceRun), '--features', 'bones,wings'],
      /unknown feature "wings"/,
    );
    bad(
      ['--learner', `${learnerRun}:0:30-40`, '--reference', String(referenceRun), '--mode', 'subsequence'],
      /at least as long as the reference/,
    );
  });
});
