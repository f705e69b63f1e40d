/**
 * Frame series and trained models (migrations 0005 and 0006): the migration keeps earlier data and its
 * constraints hold; series round-trip exactly (NaN rows included), a recompute replaces rather
 * than duplicates, and deleting a run, video or model removes what was derived from it.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../src/main/db/connection';
import * as posesDb from '../../src/main/db/poses';
import * as seriesDb from '../../src/main/db/series';
import { tempDir } from '../helpers/media';

const tmp = tempDir('series-');
afterAll(() => tmp.cleanup());

const VIDEO = `INSERT INTO videos (id, path, file_name, size_bytes, mtime_ms, duration_s, fps_num, fps_den, frame_count, width, height, codec, has_audio, status, imported_at)
  VALUES (1, '/v.mp4', 'v.mp4', 1, 0, 4, 25, 1, 100, 64, 64, 'h264', 0, 'ready', 'now')`;

function setup(name: string) {
  const db = openDatabase(join(tmp.dir, `${name}.kinema`), { create: true });
  db.prepare(VIDEO).run();
  const runId = posesDb.createRun(db, {
    videoId: 1,
    skeletonId: 'coco17',
    source: 'model',
    model: 'movenet-lightning',
    params: {},
  });
  return { db, runId };
}

describe('migration 0005-series-and-models', () => {
  it('keeps runs from version 4 and enforces sizes, kinds and unique names', () => {
    const path = join(tmp.dir, 'm5.kinema');
    const v4 = openDatabase(path, { create: true, targetVersion: 4 });
    v4.prepare(VIDEO).run();
    v4.prepare(
      "INSERT INTO pose_runs (id, video_id, skeleton_id, source, model, created_at) VALUES (3, 1, 'coco17', 'model', 'm', 'now')",
    ).run();
    v4.close();
    const v5 = openDatabase(path, { targetVersion: 5 });
    expect(schemaVersion(v5)).toBe(5);
    expect(v5.prepare('SELECT id FROM pose_runs').all()).toEqual([{ id: 3 }]);
    const insert = v5.prepare(
      "INSERT INTO frame_series (kind, source, run_id, track_id, first_frame, frame_count, width, created_at, data) VALUES (?, 's', 3, 0, 0, 2, 2, 'now', ?)",
    );
    expect(() => insert.run('embedding', Buffer.alloc(12))).toThrow(/CHECK/); // 2 × 2 floats = 16 bytes
    expect(() => insert.run('guess', Buffer.alloc(16))).toThrow(/CHECK/);
    insert.run('embedding', Buffer.alloc(16));
    const model = v5.prepare(
      "INSERT INTO trained_models (family, name, onnx, created_at) VALUES ('tcc', 'jumps', x'00', 'now')",
    );
    model.run();
    expect(() => model.run()).toThrow(/UNIQUE/);
    v5.prepare('DELETE FROM videos').run();
    expect(v5.prepare('SELECT count(*) AS n FROM frame_series').get()).toEqual({ n: 0 });
    v5.close();
  });
});

describe('frame series store', () => {
  it('round-trips values with NaN rows and replaces a recompute of the same range', () => {
    const { db, runId } = setup('roundtrip');
    const values = Float32Array.from({ length: 10 * 3 }, (_, i) => (i >= 6 && i < 9 ? NaN : i / 7));
    const id = seriesDb.saveSeries(db, {
      kind: 'joints3d',
      source: 'lifter-tcn27',
      runId,
      trackId: 0,
      firstFrame: 20,
      values,
      width: 3,
      skeletonId: 'h36m17',
      params: { receptiveField: 27 },
    });
    const back = seriesDb.getSeries(db, id);
    expect(back.frameCount).toBe(10);
    expect(back.firstFrame).toBe(20);
    expect(back.params).toEqual({ receptiveField: 27 });
    expect(Array.from(back.values)).toEqual(Array.from(values));
    const again = seriesDb.saveSeries(db, {
      kind: 'joints3d',
      source: 'lifter-tcn27',
      runId,
      trackId: 0,
      firstFrame: 20,
      values: values.map((v) => v * 2),
      width: 3,
    });
    expect(seriesDb.listSeries(db, { runId }).map((s) => s.id)).toEqual([again]);
    expect(seriesDb.listSeries(db, { videoId: 1, kind: 'joints3d' })).toHaveLength(1);
    expect(seriesDb.listSeries(db, { kind: 'embedding' })).toHaveLength(0);
    expect(() =>
      seriesDb.saveSeries(db, {
        kind: 'embedding',
        source: 'x',
        runId,
        trackId: 0,
        firstFrame: 0,
        values: new Float32Array(5),
        width: 2,
      }),
    ).toThrow(/whole number of frames/);
    expect(() =>
      seriesDb.saveSeries(db, {
        kind: 'embedding',
        source: 'x',
        runId: 99,
        trackId: 0,
        firstFrame: 0,
        values: new Float32Array(4),
        width: 2,
      }),
    ).toThrow(/Pose run 99 does not exist/);
    posesDb.deleteRun(db, runId);
    expect(seriesDb.listSeries(db)).toHaveLength(0);
    db.close();
  });

  it('stores trained models by family and name; deleting a model deletes what it computed', () => {
    const { db, runId } = setup('models');
    const onnx = Uint8Array.from([8, 7, 6, 5]);
    const modelId = seriesDb.saveTrainedModel(db, {
      family: 'tcc',
      name: 'axel',
      onnx,
      params: { label: 'axel', clipIds: [1, 2] },
      metrics: { loss: 0.5 },
    });
    expect(() => seriesDb.saveTrainedModel(db, { family: 'tcc', name: 'axel', onnx })).toThrow(
      /already exists/,
    );
    expect(seriesDb.findTrainedModel(db, 'tcc', 'axel').onnx).toEqual(onnx);
    expect(() => seriesDb.findTrainedModel(db, 'tcc', 'lutz')).toThrow(/there are: axel/);
    expect(seriesDb.listTrainedModels(db, 'tcc')[0]).toMatchObject({
      name: 'axel',
      bytes: 4,
      metrics: { loss: 0.5 },
    });
    seriesDb.saveSeries(db, {
      kind: 'embedding',
      source: 'tcc:axel',
      modelId,
      runId,
      trackId: 0,
      firstFrame: 0,
      values: new Float32Array(8),
      width: 4,
    });
    seriesDb.deleteTrainedModel(db, modelId);
    expect(seriesDb.listSeries(db)).toHaveLength(0);
    db.close();
  });
});

describe('migration 0006-model-weights', () => {
  it('keeps version-5 models (without weights) and stores training weights beside the ONNX', () => {
    const path = join(tmp.dir, 'm6.kinema');
    const v5 = openDatabase(path, { create: true, targetVersion: 5 });
    v5.prepare(
      "INSERT INTO trained_models (family, name, onnx, created_at) VALUES ('lifter', 'old', x'0102', 'now')",
    ).run();
    v5.close();
    const db = openDatabase(path, { targetVersion: 6 });
    expect(schemaVersion(db)).toBe(6);
    const [old] = seriesDb.listTrainedModels(db, 'lifter');
    expect(old).toMatchObject({ name: 'old', bytes: 2, fineTunable: false });
    expect(seriesDb.trainedModelWeights(db, old.id)).toBeNull();
    const weights = Uint8Array.from([75, 76, 87, 49, 0, 0, 0, 0]);
    const id = seriesDb.saveTrainedModel(db, {
      family: 'lifter',
      name: 'new',
      onnx: Uint8Array.from([1]),
      weights,
    });
    expect(seriesDb.trainedModelWeights(db, id)).toEqual(weights);
    expect(seriesDb.findTrainedModel(db, 'lifter', 'new').fineTunable).toBe(true);
    expect(() => seriesDb.trainedModelWeights(db, 999)).toThrow(/does not exist/);
    db.close();
  });
});
