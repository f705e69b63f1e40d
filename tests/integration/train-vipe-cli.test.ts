/**
 * `kinema train-vipe` against the built app, on generated BVH takes laid out like
 * ../shared/data/mocap (cmu-bvh/ + clips.csv): it trains on the training subjects only, checks the
 * ONNX against TF.js, measures cross-view retrieval on the validation subject, stores the model in
 * the project under its name, and `kinema embed --model NAME` uses it (series 'vipe:NAME').
 * Bad arguments are refused with a message before anything is trained or stored.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { readNpy } from '../../src/main/formats/npy';
import { buildTrack } from '../../src/shared/pose';
import { assertBuilt, cli } from '../helpers/app';
import { makeVideo, tempDir } from '../helpers/media';
import { syntheticBvh } from '../helpers/mocap-files';
import { walkPair } from '../helpers/walker';

const tmp = tempDir('train-vipe-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'vipe.kinema');
const mocap = join(tmp.dir, 'mocap', 'cmu-bvh');
const pair = walkPair();

beforeAll(() => {
  assertBuilt();
  mkdirSync(mocap, { recursive: true });
  const csv = ['folder,file,cmu_take,description,category,frames,fps'];
  const takes: [string, string, string][] = [
    ['01_01.bvh', 'walk', syntheticBvh({ motion: 'walk', frames: 240, turn: 40 })],
    ['01_02.bvh', 'jump', syntheticBvh({ motion: 'jump', frames: 240 })],
    ['02_01.bvh', 'walk', syntheticBvh({ motion: 'walk', frames: 240, scale: 1.2 })],
    ['07_01.bvh', 'walk', syntheticBvh({ motion: 'walk', frames: 240, scale: 0.9, turn: 20 })],
  ];
  for (const [file, category, text] of takes) {
    writeFileSync(join(mocap, file), text);
    csv.push(`cmu-bvh,${file},${file.slice(0, 5)},${category},${category},240,120`);
  }
  writeFileSync(join(tmp.dir, 'mocap', 'clips.csv'), csv.join('\n') + '\n');

  const video = makeVideo(join(tmp.dir, 'walk.mp4'), { width: 480, height: 360, fps: pair.fps, seconds: 6 });
  expect(cli(['init', '--project', project], env).code).toBe(0);
  expect(cli(['import', video, '--project', project], env).code).toBe(0);
  const poses = join(tmp.dir, 'poses.json');
  writeCocoKeypoints(poses, {
    video: { width: 480, height: 360, fps: pair.fps, name: 'walk' },
    tracks: [buildTrack(0, 'coco17', pair.reference)],
    provenance: { model: 'synthetic', params: {} },
  });
  expect(
    cli(['import-poses', poses, '--video', '1', '--format', 'coco', '--project', project], env).code,
  ).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('kinema train-vipe', () => {
  it('trains on the training subjects, stores the model by name, and embed uses it', () => {
    const out = join(tmp.dir, 'tiny.onnx');
    const r = cli(
      [
        'train-vipe',
        '--mocap',
        mocap,
        '--steps',
        '30',
        '--name',
        'tiny',
        '--out',
        out,
        '--json',
        '--project',
        project,
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      data: { trainingTakes: number; trainingSubjects: string[]; validationSubjects: string[] };
      training: { steps: number; firstLoss: number; finalLoss: number };
      onnx: { maxAbsDiffVsTfjs: number; path: string };
      retrieval: { frames: number; views: { viewDeg: number; vipe: { samePoseTop10: number } }[] };
      modelId: number;
    };
    expect(report.data).toMatchObject({
      trainingTakes: 3,
      trainingSubjects: ['01', '02'],
      validationSubjects: ['07'],
    });
    expect(report.training.steps).toBe(30);
    expect(report.training.finalLoss).toBeLessThan(report.training.firstLoss);
    expect(report.onnx.maxAbsDiffVsTfjs).toBeLessThan(1e-4);
    expect(existsSync(out)).toBe(true);
    expect(report.retrieval.frames).toBe(30); // 2 s of 07_01 at 30 fps, every 2nd frame
    expect(report.retrieval.views.map((v) => v.viewDeg)).toEqual([0, 90, 180]);
    expect(r.stderr).toMatch(/step 30\/30/);

    const npy = join(tmp.dir, 'tiny.npy');
    const e = cli(['embed', '1', '--model', 'tiny', '--out', npy, '--project', project], env);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('(tiny, series 1, source vipe:tiny)');
    const arr = readNpy(readFileSync(npy), npy);
    expect(arr.shape).toEqual([pair.reference.length, 32]);
    const db = new Database(project, { readonly: true });
    expect(db.prepare('SELECT name, family FROM trained_models').all()).toEqual([
      { name: 'tiny', family: 'vipe' },
    ]);
    expect(db.prepare('SELECT source, model_id AS modelId FROM frame_series').all()).toEqual([
      { source: 'vipe:tiny', modelId: report.modelId },
    ]);
    db.close();
  }, 180_000);

  it('refuses bad arguments before training', () => {
    const run = (args: string[]) => cli(['train-vipe', ...args, '--project', project], env).stderr;
    expect(run(['--mocap', join(tmp.dir, 'nowhere'), '--out', join(tmp.dir, 'x.onnx')])).toContain(
      'kinema: error: Mocap folder not found:',
    );
    expect(run(['--mocap', mocap])).toContain('give --out FILE.onnx, or --name NAME --project FILE.kinema');
    expect(run(['--mocap', mocap, '--name', 'vipe'])).toContain('is the shipped model');
    expect(run(['--mocap', mocap, '--name', 'tiny'])).toContain(
      'A VIPE* model named "tiny" already exists: choose another name or add --replace.',
    );
    expect(run(['--mocap', mocap, '--out', join(tmp.dir, 'x.pt')])).toContain('--out must end in .onnx');
    expect(run(['--mocap', mocap, '--out', join(tmp.dir, 'x.onnx'), '--context', '2:0'])).toContain(
      '--context must be K or K:S',
    );
    expect(existsSync(join(tmp.dir, 'x.onnx'))).toBe(false);
  });
});
