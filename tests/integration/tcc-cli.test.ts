/**
 * `kinema train-tcc`, `kinema align --features tcc:<name>` and `kinema tau` against the built app,
 * on a generated project: two videos carrying synthetic walkers' poses (different strides), clips
 * labelled "Walk" on both, and clips that must be refused (no poses, a pose in one frame only,
 * shorter than the frames sampled). Training is kept to a few dozen steps.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/connection';
import { listSeries, listTrainedModels } from '../../src/main/db/series';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack, type PoseRow } from '../../src/shared/pose';
import { assertBuilt, cli, spawnCli } from '../helpers/app';
import { makeVideo, tempDir } from '../helpers/media';
import { walker, walkerRows } from '../helpers/walker';

const tmp = tempDir('tcc-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache'), KINEMA_ORT_THREADS: '1' };
const project = join(tmp.dir, 'tcc.kinema');
const run = (args: string[]) => cli([...args, '--project', project], env);
const FPS = 30;
let runA = 0;
let runB = 0;
/** Clip ids by name. */
const clip: Record<string, number> = {};

function addClip(key: string, video: number, inFrame: number, outFrame: number, label: string): void {
  const r = run([
    'clip-add',
    '--video',
    String(video),
    '--in',
    String(inFrame),
    '--out',
    String(outFrame),
    '--label',
    label,
    '--json',
  ]);
  expect(r.stderr).toBe('');
  clip[key] = (JSON.parse(r.stdout) as { id: number }).id;
}

function storePoses(rows: PoseRow[], videoId: number, name: string): number {
  const file = join(tmp.dir, `${name}.json`);
  writeCocoKeypoints(file, {
    video: { width: 640, height: 360, fps: FPS, name },
    tracks: [buildTrack(0, 'coco17', rows)],
    provenance: { model: 'synthetic', params: {} },
  });
  const r = run(['import-poses', file, '--video', String(videoId), '--format', 'coco', '--json']);
  expect(r.stderr).toBe('');
  return (JSON.parse(r.stdout) as { id: number }).id;
}

function stored() {
  const db = openDatabase(project);
  try {
    return {
      models: listTrainedModels(db, 'tcc'),
      series: listSeries(db, { kind: 'embedding' }),
    };
  } finally {
    db.close();
  }
}

beforeAll(() => {
  assertBuilt();
  const videos = ['a.mp4', 'b.mp4', 'c.mp4'].map((name) =>
    makeVideo(join(tmp.dir, name), { width: 640, height: 360, fps: FPS, seconds: 6 }),
  );
  expect(run(['init']).code).toBe(0);
  // One at a time, so that video ids follow the file names.
  for (const [i, path] of videos.entries())
    expect(run(['import', path]).stdout).toContain(`Imported video ${i + 1}`);
  runA = storePoses(walkerRows(walker(1.1), { frames: 180, fps: FPS }), 1, 'a');
  // The second walker strides more slowly and leaves a one-pose island at frame 175.
  const rowsB = walkerRows(walker(1.4), { frames: 150, fps: FPS });
  rowsB.push({ ...rowsB[0], frame: 175 });
  runB = storePoses(rowsB, 2, 'b');
  // One stride each, from the same phase: 33 frames for the first walker, 42 for the second.
  addClip('walkA1', 1, 0, 33, 'Walk');
  addClip('walkA2', 1, 33, 66, 'Walk');
  addClip('walkB', 2, 0, 42, 'Walk');
  addClip('emptyA', 1, 0, 60, 'Empty');
  addClip('emptyC', 3, 0, 60, 'Empty');
  addClip('blipA', 1, 20, 80, 'Blip');
  addClip('blipB', 2, 170, 180, 'Blip');
}, 120_000);
afterAll(() => tmp.cleanup());

describe('kinema train-tcc', () => {
  it('trains on the clips of a label, stores the model and every clip embedding, with the loss printed', () => {
    const t0 = Date.now();
    const r = run([
      'train-tcc',
      '--label',
      'walk',
      '--name',
      'walk-tcc',
      '--steps',
      '40',
      '--batch',
      '3',
      '--frames',
      '16',
      '--json',
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/step 40\/40 {2}loss \d+\.\d{4}/);
    const out = JSON.parse(r.stdout) as {
      modelId: number;
      finalLoss: number;
      series: number;
      alignTau: number;
      featuresAlignTau: number;
    };
    expect(Number.isFinite(out.finalLoss)).toBe(true);
    expect(out.series).toBe(3);
    expect(out.alignTau).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(60_000);

    const { models, series } = stored();
    expect(models.map((m) => m.name)).toEqual(['walk-tcc']);
    const model = models[0];
    expect(model.id).toBe(out.modelId);
    expect(model.bytes).toBeGreaterThan(10_000);
    expect(model.params).toMatchObject({
      label: 'walk',
      clipIds: [clip.walkA1, clip.walkA2, clip.walkB],
      steps: 40,
      batchSize: 3,
      framesPerSequence: 16,
      loss: 'classification',
      features: ['keypoints', 'bones', 'angles'],
    });
    expect(model.metrics.finalLoss).toBeCloseTo(out.finalLoss, 6);
    const byClip = new Map(series.map((s) => [s.clipId, s]));
    for (const [key, frames] of [
      ['walkA1', 33],
      ['walkA2', 33],
      ['walkB', 42],
    ] as const) {
      const s = byClip.get(clip[key])!;
      expect(s, key).toBeDefined();
      expect(s.source).toBe('tcc:walk-tcc');
      expect(s.modelId).toBe(model.id);
      expect(s.frameCount).toBe(frames);
      expect(s.width).toBe(64);
    }
    // The weights checkpoint is removed once the model is stored.
    expect(run(['jobs']).stdout).toMatch(/train-tcc\tdone/);
  }, 90_000);

  it('aligns with the trained embeddings, reusing stored ones and storing new ranges', () => {
    const before = stored().series.length;
    const align = (learner: string) =>
      run([
        'align',
        '--learner',
        learner,
        '--reference',
        `${runB}:0:0-41`,
        '--features',
        'tcc:walk-tcc',
        '--json',
      ]);
    // The reference is clip walkB: its stored series is current, so only the learner range is new.
    const r = align(`${runA}:0:0-119`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { learner: { start: number; end: number }; featureTau: number };
    expect(out.learner).toEqual({ start: 0, end: 119 });
    expect(out.featureTau).toBeGreaterThan(0);
    expect(stored().series.length).toBe(before + 1);
    expect(align(`${runA}:0:0-119`).code).toBe(0);
    expect(stored().series.length).toBe(before + 1);
    const missing = run([
      'align',
      '--learner',
      String(runA),
      '--reference',
      String(runB),
      '--features',
      'tcc:nope',
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/No tcc model named "nope" in this project \(there are: walk-tcc\)/);
  }, 60_000);

  it('prints the tau of a clip pair and of every pair of a label', () => {
    const pair = run(['tau', String(clip.walkA1), String(clip.walkB), '--features', 'tcc:walk-tcc']);
    expect(pair.code).toBe(0);
    const m = /^tau (-?\d\.\d{3}) {2}\(Walk #\d+ → Walk #\d+, tcc:walk-tcc;/.exec(pair.stdout);
    expect(m, pair.stdout + pair.stderr).not.toBeNull();
    // One stride each from the same phase: the embeddings put the frames in order.
    expect(Number(m![1])).toBeGreaterThan(0.5);

    const label = run(['tau', '--label', 'Walk', '--json']);
    expect(label.code).toBe(0);
    const out = JSON.parse(label.stdout) as { pairs: { tau: number }[]; mean: number; features: string[] };
    expect(out.pairs).toHaveLength(6);
    expect(out.features).toEqual(['bones', 'angles']);
    expect(out.mean).toBeCloseTo(out.pairs.reduce((s, p) => s + p.tau, 0) / 6, 9);
    expect(out.mean).toBeGreaterThan(0.5);

    const text = run(['tau', '--label', 'Walk', '--features', 'tcc:walk-tcc']);
    expect(text.stdout).toMatch(
      /mean tau \d\.\d{3} over 6 ordered pairs of 3 clips labelled "Walk" \(tcc:walk-tcc\)/,
    );
    const unknown = run(['tau', String(clip.walkA1), '999']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/Clip 999 does not exist/);
    const noLabel = run(['tau', '--label', 'Run']);
    expect(noLabel.stderr).toMatch(/No clip is labelled "Run" \(labels: "Walk", "Empty", "Blip"\)/);
  }, 60_000);

  it('refuses bad training sets with a message and stores nothing', () => {
    const jobsBefore = run(['jobs']).stdout;
    const before = stored();
    const bad = (args: string[], message: RegExp) => {
      const r = run(['train-tcc', '--steps', '5', ...args]);
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stderr).toMatch(message);
    };
    bad(
      ['--label', 'Walk', '--name', 'long', '--frames', '33'],
      /Clip "Walk" \(clip \d+, a\.mp4 frames 0–32\) is 33 frames long, but training samples 33 frames per clip, which must stay below the shortest clip's length: lower the frames sampled to at most 32/,
    );
    bad(
      ['--label', 'Empty', '--name', 'empty'],
      /Clip "Empty" \(clip \d+, c\.mp4 frames 0–59\) has no poses: run Detect poses/,
    );
    bad(
      ['--label', 'Blip', '--name', 'blip', '--frames', '8'],
      /Clip "Blip" \(clip \d+, b\.mp4 frames 170–179\) has a pose in one frame only/,
    );
    bad(['--label', 'Walk', '--name', 'walk-tcc'], /A TCC model named "walk-tcc" already exists/);
    bad(
      ['--label', 'Walk', '--name', 'x', '--loss', 'hinge'],
      /--loss must be classification, regression, regression-mse/,
    );
    bad(['--label', 'Jump', '--name', 'x'], /No clip is labelled "Jump"/);
    const after = stored();
    expect(after.models.map((m) => m.id)).toEqual(before.models.map((m) => m.id));
    expect(after.series.length).toBe(before.series.length);
    expect(run(['jobs']).stdout).toBe(jobsBefore);
  }, 60_000);

  it('resumes a killed training at its last saved step', async () => {
    const child = spawnCli(
      [
        'train-tcc',
        '--label',
        'Walk',
        '--name',
        'resumed',
        '--steps',
        '300',
        '--batch',
        '3',
        '--frames',
        '16',
        '--project',
        project,
      ],
      env,
    );
    let err = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress: ${err}`)), 60_000);
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        // Checkpoints are saved every 30 steps: kill once one is surely on disk.
        const steps = [...err.matchAll(/step (\d+)\/300/g)].map((m) => Number(m[1]));
        if (steps.some((s) => s >= 45)) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(stored().models.map((m) => m.name)).toEqual(['walk-tcc']);
    const r = run(['jobs', '--resume', '--json']);
    expect(r.code).toBe(0);
    const job = (
      JSON.parse(r.stdout) as {
        params: { name?: string };
        state: string;
        result: { resumedFromStep: number; steps: number };
      }[]
    ).find((j) => j.params.name === 'resumed')!;
    expect(job.state).toBe('done');
    expect(job.result.resumedFromStep).toBeGreaterThanOrEqual(30);
    expect(job.result.steps).toBe(300);
    expect(
      stored()
        .models.map((m) => m.name)
        .sort(),
    ).toEqual(['resumed', 'walk-tcc']);
  }, 120_000);
});
