import { describe, expect, it } from 'vitest';
import { floatToHalfExact, halfToFloat } from '../../../src/main/inference/tfjs-graph/float16';
import { decodeWeights, parseInputRef } from '../../../src/main/inference/tfjs-graph/model';

describe('float16 decoding', () => {
  it('decodes normals, subnormals, zeros, infinities and NaN', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });
});

describe('weights manifest', () => {
  it('dequantises float16, uint8 and uint16 weights across shards', () => {
    const half = new Uint16Array([0x3c00, 0xc000]); // 1, -2
    const u8 = new Uint8Array([0, 10, 255]);
    const u16 = new Uint16Array([0, 1000]);
    const i32 = new Int32Array([7, -8]);
    const bytes = new Uint8Array(4 + 3 + 4 + 8);
    bytes.set(new Uint8Array(half.buffer), 0);
    bytes.set(u8, 4);
    bytes.set(new Uint8Array(u16.buffer), 7);
    bytes.set(new Uint8Array(i32.buffer), 11);
    const w = decodeWeights(
      [
        {
          paths: ['a.bin', 'b.bin'],
          weights: [
            { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
            {
              name: 'q8',
              shape: [3],
              dtype: 'float32',
              quantization: { dtype: 'uint8', min: -1, scale: 0.5 },
            },
            {
              name: 'q16',
              shape: [2],
              dtype: 'float32',
              quantization: { dtype: 'uint16', min: 2, scale: 0.001 },
            },
            { name: 'i', shape: [1, 2], dtype: 'int32' },
          ],
        },
      ],
      [[bytes.subarray(0, 9), bytes.subarray(9)]], // a weight straddles the shard boundary
    );
    expect(Array.from(w.get('h')!.data as Float32Array)).toEqual([1, -2]);
    expect(Array.from(w.get('q8')!.data as Float32Array)).toEqual([-1, 4, 126.5]);
    expect(Array.from(w.get('q16')!.data as Float32Array)).toEqual([2, expect.closeTo(3, 5)]);
    expect(w.get('i')).toEqual({ dtype: 'int32', shape: [1, 2], data: Int32Array.from([7, -8]) });
  });

  it('parses control inputs and output indices', () => {
    expect(parseInputRef('^a/b')).toEqual({ node: 'a/b', index: 0, control: true });
    expect(parseInputRef('a/b:2')).toEqual({ node: 'a/b', index: 2, control: false });
    expect(parseInputRef('a/b')).toEqual({ node: 'a/b', index: 0, control: false });
  });
});

describe('float16 encoding', () => {
  it('round-trips every finite half exactly and refuses inexact values', () => {
    for (let h = 0; h < 0x10000; h++) {
      const e = (h >> 10) & 0x1f;
      if (e === 0x1f && (h & 0x3ff) !== 0) continue; // NaN
      expect(floatToHalfExact(halfToFloat(h))).toBe(h);
    }
    expect(floatToHalfExact(0.1)).toBe(-1);
    expect(floatToHalfExact(65536)).toBe(-1);
    expect(floatToHalfExact(2 ** -25)).toBe(-1);
  });
});
