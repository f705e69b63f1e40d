/**
 * `kinema train-lifter` and `kinema eval-lifter` against the built app, on tiny synthetic mocap
 * (tests/helpers/mocap-files.ts): walking and jumping BVH takes in action folders, a Y-up TRC of
 * joint centres, and files that must be refused (a broken BVH hierarchy, a TRC without a knee, a
 * take shorter than the receptive field). Models are kept small (32 channels) and short.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/connection';
import { listJobs } from '../../src/main/db/jobs';
import { findTrainedModel, listTrainedModels } from '../../src/main/db/series';
import { listLifters } from '../../src/main/inference/models';
import { readOnnxMetadata } from '../../src/main/training/export-onnx';
import { assertBuilt, cli, spawnCli } from '../helpers/app';
import { makePersonVideo, tempDir } from '../helpers/media';
import { brokenBvh, jointCentreTrc, syntheticBvh, writeText } from '../helpers/mocap-files';

const tmp = tempDir('train-lifter-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache'), KINEMA_ORT_THREADS: '1' };
const project = join(tmp.dir, 'lifter.kinema');
const data = join(tmp.dir, 'mocap');
const run = (args: string[]) => cli([...args, '--project', project], env);
const SMALL = ['--rf', '27', '--channels', '32', '--batch', '64', '--init', 'none'];

function stored() {
  const db = openDatabase(project);
  try {
    return { models: listTrainedModels(db, 'lifter'), jobs: listJobs(db) };
  } finally {
    db.close();
  }
}

beforeAll(() => {
  assertBuilt();
  for (let i = 0; i < 4; i++)
    writeText(
      join(data, 'walk', `walk_${i}.bvh`),
      syntheticBvh({ motion: 'walk', frames: 360, turn: 30 * i, scale: 0.8 + 0.1 * i }),
    );
  for (let i = 0; i < 3; i++)
    writeText(
      join(data, 'jump', `jump_${i}.bvh`),
      syntheticBvh({ motion: 'jump', frames: 360, scale: 0.7 + 0.15 * i }),
    );
  writeText(join(data, 'walk', 'walk_trc.trc'), jointCentreTrc({ motion: 'walk', frames: 360, turn: 45 }));
  writeText(join(tmp.dir, 'bad', 'broken.bvh'), brokenBvh());
  writeText(join(tmp.dir, 'bad', 'no_knee.trc'), jointCentreTrc({ motion: 'walk', frames: 240 }, ['RKnee']));
  writeText(join(tmp.dir, 'short', 'hop.bvh'), syntheticBvh({ motion: 'jump', frames: 40 }));
  expect(run(['init']).code).toBe(0);
});

afterAll(() => tmp.cleanup());

describe('kinema train-lifter', () => {
  it('trains a small lifter, printing the loss and validation curve, and stores it with metrics', () => {
    const r = run([
      'train-lifter',
      data,
      '--name',
      'tiny',
      ...SMALL,
      '--epochs',
      '2',
      '--val',
      join(data, 'jump', 'jump_1.bvh'),
      '--json',
    ]);
    expect(r.stderr).toContain('Train lifter "tiny": 7 file(s)');
    expect(r.stderr).toMatch(/validating on 1 given file\(s\)/);
    expect(r.stderr).toMatch(/step \d+\/\d+ {2}loss \d+\.\d mm/);
    expect(r.stderr).toMatch(/epoch 2\/2 {2}validation MPJPE \d+\.\d mm/);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { name: string; steps: number; clean: { mpjpeMm: number } };
    expect(result.name).toBe('tiny');
    expect(result.clean.mpjpeMm).toBeGreaterThan(0);

    const { models } = stored();
    expect(models.map((m) => m.name)).toEqual(['tiny']);
    const m = models[0];
    for (const k of ['mpjpeMm', 'pMpjpeMm', 'nMpjpeMm', 'velocityMmPerFrame'])
      expect(Number.isFinite(m.metrics[k] as number), k).toBe(true);
    expect(m.metrics.mpjpeMm).toBe(result.clean.mpjpeMm);
    expect((m.metrics.noisy as { mpjpeMm: number }).mpjpeMm).toBeGreaterThan(0);
    expect(Object.keys(m.metrics.perCategory as object)).toEqual(['jump']);
    expect(m.params.validationFiles).toEqual([join(data, 'jump', 'jump_1.bvh')]);
    expect(m.params.trainFiles).not.toContain(join(data, 'jump', 'jump_1.bvh'));
    expect(m.params).toMatchObject({
      receptiveField: 27,
      channels: 32,
      epochs: 2,
      init: 'none',
      noise: true,
    });

    // Lifting reads a project lifter like the shipped one: the same metadata properties.
    const db = openDatabase(project);
    const onnx = findTrainedModel(db, 'lifter', 'tiny').onnx;
    db.close();
    const mine = readOnnxMetadata(onnx);
    const shipped = readOnnxMetadata(readFileSync(listLifters()[0].path));
    for (const key of Object.keys(shipped)) expect(mine[key], key).toBeDefined();
    for (const key of ['fps', 'input_skeleton', 'input_2d', 'joints_names', 'output', 'joints'])
      expect(mine[key], key).toBe(shipped[key]);
    expect(mine.receptive_field).toBe('27');
    expect(mine.channels).toBe('32');
    expect(mine.input_normalization).toBe(shipped.input_normalization);
  }, 60_000);

  it('refuses bad files, a missing file list and a taken name with messages, storing nothing', () => {
    const before = stored();
    const bad = run(['train-lifter', data, join(tmp.dir, 'bad'), '--name', 'bad', ...SMALL]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('2 files cannot be used');
    expect(bad.stderr).toMatch(/broken\.bvh: line \d+: file ends inside joint "LeftUpLeg"/);
    expect(bad.stderr).toMatch(/no_knee\.trc: no marker for the right knee/);
    const short = run(['train-lifter', join(tmp.dir, 'short'), data, '--name', 'short', ...SMALL]);
    expect(short.stderr).toContain(
      'hop.bvh: 17 frames at 50 fps, fewer than the receptive field of 27 frames',
    );
    expect(run(['train-lifter', '--name', 'none']).stderr).toContain('name at least one BVH, C3D or TRC');
    expect(run(['train-lifter', join(tmp.dir, 'nowhere'), '--name', 'x']).stderr).toContain('does not exist');
    expect(run(['train-lifter', data, '--name', 'tiny', ...SMALL]).stderr).toContain(
      'A lifter named "tiny" already exists',
    );
    expect(run(['train-lifter', data, '--name', 'x', '--rf', '81', '--init', 'shipped']).stderr).toContain(
      'Fine-tuning starts from the shipped lifter',
    );
    const after = stored();
    expect(after.models.map((m) => m.name)).toEqual(before.models.map((m) => m.name));
    expect(after.jobs.length).toBe(before.jobs.length);
  }, 60_000);

  it('resumes a killed training from its checkpoint', async () => {
    const child = spawnCli(
      ['train-lifter', data, '--name', 'resumed', ...SMALL, '--epochs', '12', '--project', project],
      env,
    );
    let err = '';
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress: ${err}`)), 60_000);
      child.stderr!.on('data', (c) => {
        err += c;
        // Checkpoints are saved at each epoch's end and every tenth of the run: kill past two epochs.
        const steps = [...err.matchAll(/step (\d+)\/(\d+)/g)].map((m) => Number(m[1]));
        total = Number(/step \d+\/(\d+)/.exec(err)?.[1] ?? 0);
        if (steps.some((s) => s >= total / 3)) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    const r = run(['jobs', '--resume', '--json']);
    expect(r.code).toBe(0);
    const job = (
      JSON.parse(r.stdout) as {
        state: string;
        params: { name: string };
        result: { resumedFromStep: number; steps: number };
      }[]
    ).find((j) => j.params.name === 'resumed')!;
    expect(job.state).toBe('done');
    expect(job.result.resumedFromStep).toBeGreaterThan(0);
    expect(job.result.resumedFromStep).toBeLessThan(total);
    expect(job.result.steps).toBe(total);
    expect(stored().models.map((m) => m.name)).toEqual(['resumed', 'tiny']);
  }, 90_000);
});

describe('kinema train-lifter --init <project lifter>', () => {
  const firstLoss = (stderr: string) => Number(/step \d+\/\d+ {2}loss (\d+\.\d) mm/.exec(stderr)?.[1]);

  it('goes on from a lifter trained in the project, keeping its size, and says where it started', () => {
    const parent = run(['train-lifter', data, '--name', 'walkers', ...SMALL, '--epochs', '2']);
    expect(parent.code).toBe(0);
    // No --rf/--channels: the parent's 27 frames and 32 channels are kept.
    const child = run([
      'train-lifter',
      join(data, 'walk'),
      '--name',
      'walkers-2',
      '--init',
      'walkers',
      '--epochs',
      '1',
      '--batch',
      '64',
      '--json',
    ]);
    expect(child.stderr).toContain('Fine-tune lifter "walkers-2" from lifter:walkers');
    expect(child.code).toBe(0);
    // It starts where the parent finished, not from random weights.
    expect(firstLoss(child.stderr)).toBeLessThan(firstLoss(parent.stderr) * 0.7);
    const m = stored().models.find((x) => x.name === 'walkers-2')!;
    expect(m.params).toMatchObject({
      init: 'project',
      initModel: 'lifter:walkers',
      receptiveField: 27,
      channels: 32,
    });
    expect(m.fineTunable).toBe(true);
  }, 90_000);

  it('refuses an unknown lifter, a different size and a lifter stored without training weights', () => {
    const before = stored();
    expect(run(['train-lifter', data, '--name', 'x', '--init', 'nope']).stderr).toContain(
      'No lifter model named "nope" in this project',
    );
    expect(run(['train-lifter', data, '--name', 'x', '--init', 'walkers', '--rf', '81']).stderr).toContain(
      'Fine-tuning starts from the project lifter "walkers" (receptive field 27, 32 channels)',
    );
    // A lifter stored before Kinema kept training weights (schema version 5) has only its ONNX.
    const db = openDatabase(project);
    db.prepare(
      "INSERT INTO trained_models (family, name, params, metrics, onnx, created_at) SELECT family, 'old', params, metrics, onnx, created_at FROM trained_models WHERE name = 'walkers'",
    ).run();
    db.close();
    expect(run(['train-lifter', data, '--name', 'x', '--init', 'old']).stderr).toContain(
      'The project lifter "old" was stored without its training weights',
    );
    // Refused for a bad file: the parent's weights (walkers-2: never a parent yet) are not even
    // copied to the cache.
    const klw = () =>
      readdirSync(join(env.KINEMA_CACHE_DIR, 'lifter-models')).filter((f) => f.endsWith('.klw'));
    const cached = klw().length;
    expect(
      run(['train-lifter', data, join(tmp.dir, 'bad'), '--name', 'x', '--init', 'walkers-2']).stderr,
    ).toContain('2 files cannot be used');
    expect(klw().length).toBe(cached);
    const after = stored();
    expect(after.jobs.length).toBe(before.jobs.length);
    expect(after.models.find((x) => x.name === 'old')?.fineTunable).toBe(false);
  }, 60_000);
});

describe("kinema train-lifter --unlabeled (semi-supervised on the project's footage)", () => {
  let runId = 0;
  beforeAll(() => {
    makePersonVideo(join(tmp.dir, 'walk.mp4'), { fps: 25, seconds: 1.6, speed: 40 });
    expect(run(['import', join(tmp.dir, 'walk.mp4')]).code).toBe(0);
    const d = run(['detect', '1', '--json']);
    expect(d.code).toBe(0);
    runId = (JSON.parse(d.stdout) as { runId: number }).runId;
  }, 120_000);

  it('learns from a detected track as 2D only, and says so', () => {
    const args = ['train-lifter', join(data, 'walk'), ...SMALL, '--epochs', '4', '--json'];
    const semi = run([...args, '--name', 'semi', '--unlabeled', String(runId)]);
    expect(semi.stderr).toContain('Train lifter "semi", semi-supervised');
    expect(semi.stderr).toMatch(
      /semi-supervised with \d+ unlabelled frames \(1 stretch\(es\) of 1 track\(s\)\)/,
    );
    expect(semi.code).toBe(0);
    const sup = run([...args, '--name', 'sup']);
    expect(sup.code).toBe(0);
    const models = stored().models;
    const m = models.find((x) => x.name === 'semi')!;
    const frames = Number(/semi-supervised with (\d+) unlabelled frames/.exec(semi.stderr)![1]);
    expect(frames).toBeGreaterThan(60); // 40 frames at 25 fps → 79 at 50 fps, less any thin start
    expect(m.params.semiSupervised).toMatchObject({
      warmupEpochs: 1,
      segments: 1,
      frames,
      tracks: [{ runId, video: 'walk.mp4' }],
    });
    expect(models.find((x) => x.name === 'sup')!.params.semiSupervised).toBeNull();
    // Same data, seed and steps: only the unlabelled windows differ, and they changed the model.
    const db = openDatabase(project);
    const onnx = (name: string) => Buffer.from(findTrainedModel(db, 'lifter', name).onnx);
    const same = onnx('semi').equals(onnx('sup'));
    db.close();
    expect(same).toBe(false);
  }, 120_000);

  it('refuses unknown runs and tracks, bad values and a single epoch, queueing nothing', () => {
    const before = stored();
    const t = (unlabeled: string, extra: string[] = []) =>
      run(['train-lifter', join(data, 'walk'), '--name', 'x', ...SMALL, '--unlabeled', unlabeled, ...extra])
        .stderr;
    expect(t('999')).toContain('Pose run 999 does not exist');
    expect(t(`${runId}:42`)).toMatch(new RegExp(`run ${runId} has no track 42 \\(tracks: \\d`));
    expect(t('walk')).toContain('--unlabeled takes RUN or RUN:TRACK');
    expect(t(String(runId), ['--epochs', '1'])).toContain('needs at least 2 epochs');
    expect(stored().jobs.length).toBe(before.jobs.length);
  }, 60_000);
});

describe('kinema eval-lifter', () => {
  it('prints MPJPE, P-MPJPE, N-MPJPE and velocity error per action and joint for a project lifter', () => {
    const r = run(['eval-lifter', data, '--lifter', 'tiny']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Lifter project lifter "tiny" (receptive field 27) on 8 file(s)');
    expect(r.stdout).toMatch(
      /MPJPE \d+\.\d mm {2}P-MPJPE \d+\.\d mm {2}N-MPJPE \d+\.\d mm {2}velocity \d+\.\d\d mm\/frame/,
    );
    expect(r.stdout).toMatch(/^jump +\d+ +\d+\.\d/m);
    expect(r.stdout).toMatch(/^walk +\d+ +\d+\.\d/m);
    expect(r.stdout).toMatch(/^left_knee +\d+ +\d+\.\d/m);
  }, 30_000);

  it('scores the shipped lifter without a project, with detector noise, as JSON', () => {
    const clean = cli(['eval-lifter', join(data, 'walk'), '--json'], env);
    const noisy = cli(['eval-lifter', join(data, 'walk'), '--noise', '--json'], env);
    expect(clean.code).toBe(0);
    const a = JSON.parse(clean.stdout) as { lifter: string; overall: { mpjpeMm: number }; perJoint: object };
    const b = JSON.parse(noisy.stdout) as { noise: boolean; overall: { mpjpeMm: number } };
    expect(a.lifter).toBe(listLifters()[0].id);
    expect(Object.keys(a.perJoint)).toHaveLength(17);
    // A lifter trained on CMU mocap places these walks within 20 cm per joint, better without noise.
    expect(a.overall.mpjpeMm).toBeGreaterThan(10);
    expect(a.overall.mpjpeMm).toBeLessThan(200);
    expect(b.noise).toBe(true);
    expect(b.overall.mpjpeMm).toBeGreaterThan(a.overall.mpjpeMm);
    expect(cli(['eval-lifter', data, '--lifter', 'nope'], env).stderr).toContain('needs --project');
  }, 30_000);
});
