import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tensorCheckpointStore, type TensorCheckpoint } from '../../../src/main/training/tensor-checkpoint';
import { KinemaError } from '../../../src/shared/errors';

interface Config {
  size: number;
}

const kind = (prefix: string) =>
  tensorCheckpointStore<Config, { step: number; loss: number }>({
    label: 'Test',
    format: 'kinema-test-checkpoint',
    version: 1,
    prefix,
    validate: (w) => {
      if (w.tensors[0]?.data.length !== w.config.size) throw new Error(`w has the wrong size`);
    },
  });

function checkpointAt(step: number, size = 5): TensorCheckpoint<Config, { step: number; loss: number }> {
  const w = Float32Array.from({ length: size }, (_, i) => step + i / 10);
  return {
    state: { step, options: { lr: 0.1 }, history: [{ step, loss: 1 / (step + 1) }], trainSeconds: step / 2 },
    weights: { config: { size }, tensors: [{ name: 'w', shape: [size], data: w }] },
    optimizer: [{ name: 'm:w', shape: [size], data: w.map((v) => v * 2) }],
  };
}

describe('named-tensor checkpoints (TCC, VIPE*, student)', () => {
  let dir = '';
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('round-trips, keeps one data file per kind, and refuses damaged files saying what is wrong', () => {
    dir = mkdtempSync(join(tmpdir(), 'kinema-tckpt-'));
    const a = kind('a');
    const b = kind('b');
    expect(a.has(dir)).toBe(false);
    a.save(dir, checkpointAt(10));
    b.save(dir, checkpointAt(3));
    a.save(dir, checkpointAt(20));
    // The older data file of 'a' is gone; 'b' shares the folder untouched.
    expect(readdirSync(dir).sort()).toEqual([
      'a-checkpoint.json',
      'a-state-20.bin',
      'b-checkpoint.json',
      'b-state-3.bin',
    ]);
    const back = a.load(dir);
    expect(back.state).toEqual(checkpointAt(20).state);
    expect([...back.weights.tensors[0].data]).toEqual([...checkpointAt(20).weights.tensors[0].data]);
    expect([...back.optimizer[0].data]).toEqual([...checkpointAt(20).optimizer[0].data]);
    expect(b.load(dir).state.step).toBe(3);

    const json = join(dir, 'a-checkpoint.json');
    const bin = join(dir, 'a-state-20.bin');
    const good = readFileSync(json, 'utf8');
    const goodBin = readFileSync(bin);
    const expectBad = (pattern: RegExp): void => {
      let err: unknown;
      try {
        a.load(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KinemaError);
      expect((err as KinemaError).code).toBe('BAD_CHECKPOINT');
      expect((err as Error).message).toMatch(/^Test checkpoint in /);
      expect((err as Error).message).toMatch(pattern);
    };
    writeFileSync(bin, goodBin.subarray(0, goodBin.length - 4));
    expectBad(/a-state-20\.bin is 36 bytes, the checkpoint says 40 \(truncated\?\)/);
    const flipped = Buffer.from(goodBin);
    flipped[7] ^= 0xff;
    writeFileSync(bin, flipped);
    expectBad(/does not match its checksum/);
    writeFileSync(bin, goodBin);
    writeFileSync(json, JSON.stringify({ ...JSON.parse(good), config: { size: 4 } }));
    expectBad(/w has the wrong size/);
    writeFileSync(
      json,
      JSON.stringify({ ...JSON.parse(good), weights: [{ name: 'w', shape: [99], offset: 0 }] }),
    );
    expectBad(/tensor w lies outside the data \(10 values\)/);
    writeFileSync(json, good.slice(0, 30));
    expectBad(/a-checkpoint\.json is not valid JSON/);
    writeFileSync(json, JSON.stringify({ ...JSON.parse(good), format: 'other' }));
    expectBad(/a-checkpoint\.json is not a kinema-test-checkpoint file/);
    writeFileSync(json, JSON.stringify({ ...JSON.parse(good), version: 2 }));
    expectBad(/version 2 is not supported \(this Kinema reads version 1\)/);
    writeFileSync(json, good);
    rmSync(bin);
    expectBad(/its data file a-state-20\.bin is missing/);
  });
});
