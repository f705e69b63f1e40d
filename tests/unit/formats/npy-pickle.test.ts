import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import {
  objectArrayItem,
  parsePythonLiteral,
  pickleDump,
  pickleObjectArray,
  PyNdArrayBox,
  PyTuple,
  readNpy,
  readNpz,
  readVideoPose3dNpz,
  unpickleRestricted,
  writeNpy,
  writeNpz,
  writeVideoPose3dNpz,
  type PyDict,
} from '../../../src/main/formats';
import { buildTrack } from '../../../src/shared/pose';
import { tempDir } from '../../helpers/media';
import { expectTracksClose, syntheticPoseSet } from '../../helpers/poses';

const tmp = tempDir('npy-');
afterAll(() => tmp.cleanup());
const b64 = (s: string) => Uint8Array.from(Buffer.from(s, 'base64'));
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

/**
 * Made with numpy 2.4: np.savez_compressed(f, positions_2d={'vid.mp4': {'custom': [x]}}, metadata=...)
 * with x = zeros((2, 17, 2), float32), x[1, 2, 0] = 7.5, x[0, 16, 1] = -3.25 (pickle protocol 4).
 */
const NUMPY_NPZ =
  'UEsDBC0AAAAIAAAAIQDGABVJ//////////8QABQAcG9zaXRpb25zXzJkLm5weQEAEACGAgAAAAAAAAwBAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgXuOvrqOgnpZfVFKUmBefX5SSChJ2S8wpTgWKF2ckFqQC+RqaOgq1CpQBrgaWqb8ZGcCgRyyvNLegUi8+Ob8oVS+3NKckM7GoKLFySg9PfFFqcn5ecUlRaXLJlMlTeljBKqf0sOelQJRMnuLN0DrFmTFpSvuUoCka3oyaGcw9rCkllQWpIPVM/hZTOjsgUsw9jDVT/Pz8vP4DAZjwti+ZktQZO6UWaGBZZopeboEJiM2WXFpckp87JXZKBlMGK8j8DHao6d5M3oLeTO1TMrh7mNJMkI22QTOaAWS0kwDUiwMPAg5gin1woLcrQGAKMGQSi4sTgZQeAFBLAwQtAAAACAAAACEAVsHoHv//////////DAAUAG1ldGFkYXRhLm5weQEAEACqAQAAAAAAADMBAAAAAAAApY7NSsNAFIUz/bHa1vqzcGt2SaFk5ULcuBBceGkqggsXZZgmI602mTCZVAZb6Ea0MLte38830Un6CJ7FhfvdczlnGz4O75+Is3DevZjnkfSuXG858gau9yykkiylQsa8xLdsnnPL8ynLuN39/sBduf9Te934PidOJXOWFkmmAxoJyYOkmKsZk5JpNF0qeSTSXMkiUrhF06ycaFppvLNsEZwPvCET/MQH9IH0p3XTjJXOeOmvjS5x87U71Q1ZYhiGd79W1YBrhZPNGFfom86caVEomrKEo2lEIhJo2jaOvohZqnKEE3P6ynVWbTTXScKV1DhGf1zmQh2a0IID6MAhHPGS1aABe7APbehCD445N73FLOaC2k8WM8VssGlZFCTZRVWCvOFwXTNkisMfUuQFs/2CP1BLAQItAy0AAAAIAAAAIQDGABVJDAEAAIYCAAAQAAAAAAAAAAAAAACAAQAAAABwb3NpdGlvbnNfMmQubnB5UEsBAi0DLQAAAAgAAAAhAFbB6B4zAQAAqgEAAAwAAAAAAAAAAAAAAIABTgEAAG1ldGFkYXRhLm5weVBLBQYAAAAAAgACAHgAAAC/AgAAAAA=';
/** pickle.dumps(np.array({'a': np.arange(3, dtype='float32')}, dtype=object), protocol=2) (numpy 2.4). */
const NUMPY_PROTO2 =
  'gAJjbnVtcHkuX2NvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQBjbnVtcHkKbmRhcnJheQpxAUsAhXECY19jb2RlY3MKZW5jb2RlCnEDWAEAAABicQRYBgAAAGxhdGluMXEFhnEGUnEHh3EIUnEJKEsBKWNudW1weQpkdHlwZQpxClgCAAAATzhxC4mIh3EMUnENKEsDWAEAAAB8cQ5OTk5K/////0r/////Sz90cQ9iiV1xEH1xEVgBAAAAYXESaABoAUsAhXETaAeHcRRScRUoSwFLA4VxFmgKWAIAAABmNHEXiYiHcRhScRkoSwNYAQAAADxxGk5OTkr/////Sv////9LAHRxG2KJaANYDQAAAAAAAAAAAMKAPwAAAEBxHGgFhnEdUnEedHEfYnNhdHEgYi4=';

describe('.npy', () => {
  it('round-trips float32, float64, int32 and uint8 arrays; headers are 64-byte aligned', () => {
    const arrays = [
      { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.of(1.5, -2, 3, 4, 5, 6) },
      { dtype: 'float64' as const, shape: [3], data: Float64Array.of(0.1, 1e300, -7) },
      { dtype: 'int32' as const, shape: [2, 2], data: Int32Array.of(-1, 2, 2147483647, 0) },
      { dtype: 'uint8' as const, shape: [4], data: Uint8Array.of(0, 1, 254, 255) },
    ];
    for (const a of arrays) {
      const bytes = writeNpy(a);
      const headerEnd = bytes.indexOf(0x0a) + 1;
      expect(headerEnd % 64).toBe(0);
      const back = readNpy(bytes, 'a.npy');
      expect(back).toEqual(a);
    }
    const scalarShape = new TextDecoder().decode(
      writeNpy({ dtype: 'int32', shape: [5], data: new Int32Array(5) }).subarray(10, 70),
    );
    expect(scalarShape).toContain("'shape': (5,)");
  });

  it('reads big-endian data and the version 2 header', () => {
    const header = "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }";
    const pad = ' '.repeat(64 - ((12 + header.length + 1) % 64)) + '\n';
    const h = ascii(header + pad);
    const bytes = new Uint8Array(12 + h.length + 8);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(bytes.buffer).setUint32(8, h.length, true);
    bytes.set(h, 12);
    new DataView(bytes.buffer).setFloat32(12 + h.length, 1.5, false);
    new DataView(bytes.buffer).setFloat32(12 + h.length + 4, -2, false);
    expect(readNpy(bytes, 'be.npy')).toEqual({
      dtype: 'float32',
      shape: [2],
      data: Float32Array.of(1.5, -2),
    });
  });

  it('refuses bad headers and truncated data with the file named', () => {
    const good = writeNpy({ dtype: 'float32', shape: [4], data: new Float32Array(4) });
    expect(() => readNpy(ascii('PK\x03\x04 not npy'), 'x.npy')).toThrow(
      'x.npy: is not a .npy array (bad magic number)',
    );
    expect(() => readNpy(good.subarray(0, 40), 'x.npy')).toThrow('x.npy: truncated .npy header');
    expect(() => readNpy(good.subarray(0, good.length - 3), 'x.npy')).toThrow(
      /x.npy: data is truncated: 13 bytes, expected 16/,
    );
    const text = Buffer.from(good).toString('latin1');
    const swap = (from: string, to: string) => ascii(text.replace(from, to));
    expect(() => readNpy(swap("'<f4'", "'<c8'"), 'x.npy')).toThrow(/unsupported dtype <c8/);
    expect(() => readNpy(swap("'fortran_order': False", "'fortran_order': True "), 'x.npy')).toThrow(
      /Fortran-ordered/,
    );
    expect(() => readNpy(swap("'shape': (4,)", "'shape': [4,)"), 'x.npy')).toThrow(/x.npy: bad .npy header/);
    expect(() => readNpy(swap("'shape'", "'shope'"), 'x.npy')).toThrow(/shape is not a tuple of sizes/);
    expect(() => readNpy(swap('\x01\x00', '\x09\x00'), 'x.npy')).toThrow(/unsupported .npy version 9/);
  });

  it('parses the Python literal subset of headers', () => {
    expect(parsePythonLiteral("{'a': (1, 2), \"b\": True, 'c': None, 'd': [], }")).toEqual({
      a: [1, 2],
      b: true,
      c: null,
      d: [],
    });
    expect(() => parsePythonLiteral("{'a': __import__('os')}")).toThrow(/bad .npy header/);
  });

  it('.npz: zip members by name; a damaged zip is refused', () => {
    const npz = writeNpz({ a: writeNpy({ dtype: 'int32', shape: [1], data: Int32Array.of(7) }) });
    const members = readNpz(npz, 'x.npz');
    expect([...members.keys()]).toEqual(['a']);
    expect(() => readNpz(npz.subarray(0, npz.length - 10), 'x.npz')).toThrow(
      /x.npz: the zip archive is damaged or truncated/,
    );
    expect(() => readNpz(ascii('hello'), 'x.npz')).toThrow(/not an .npz file/);
  });
});

describe('restricted pickle', () => {
  it('round-trips dicts, lists, tuples, text, numbers, booleans, None and arrays', () => {
    const arr = { dtype: 'float32' as const, shape: [2, 2], data: Float32Array.of(1, 2, 3, 4.5) };
    const v = unpickleRestricted(
      pickleDump({
        s: 'héllo',
        n: -5,
        big: 100000,
        f: 0.25,
        t: true,
        no: null,
        l: [1, [2]],
        tu: new PyTuple([1, 'x']),
        arr,
      }),
      'p',
    ) as PyDict;
    expect(v.s).toBe('héllo');
    expect([v.n, v.big, v.f, v.t, v.no]).toEqual([-5, 100000, 0.25, true, null]);
    expect(v.l).toEqual([1, [2]]);
    expect((v.tu as PyTuple).items).toEqual([1, 'x']);
    expect((v.arr as PyNdArrayBox).array).toEqual(arr);
    const obj = objectArrayItem(unpickleRestricted(pickleObjectArray({ a: [arr] }), 'p'), 'p') as PyDict;
    expect((obj.a as PyNdArrayBox[])[0].array).toEqual(arr);
  });

  it("reads numpy's protocol-2 pickles (bytes through _codecs.encode)", () => {
    const v = objectArrayItem(unpickleRestricted(b64(NUMPY_PROTO2), 'p2'), 'p2') as PyDict;
    expect((v.a as PyNdArrayBox).array).toEqual({
      dtype: 'float32',
      shape: [3],
      data: Float32Array.of(0, 1, 2),
    });
  });

  it('refuses forbidden globals, code-running opcodes and malformed streams', () => {
    const osSystem = ascii('\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.');
    expect(() => unpickleRestricted(osSystem, 'evil.npy')).toThrow(
      /evil.npy: refused to load the pickled data: it contains a reference to os.system, which is not allowed/,
    );
    const stackGlobal = ascii('\x80\x04\x8c\x08builtins\x8c\x04eval\x93.');
    expect(() => unpickleRestricted(stackGlobal, 'p')).toThrow(/builtins.eval, which is not allowed/);
    expect(() => unpickleRestricted(ascii('(ios\nsystem\n.'), 'p')).toThrow(/opcode 0x69/);
    expect(() => unpickleRestricted(ascii('\x80\x02X\x05\x00\x00\x00ab'), 'p')).toThrow(/truncated/);
    expect(() => unpickleRestricted(ascii('\x80\x02a.'), 'p')).toThrow(/stack underflow/);
    // An allowed function used on the wrong class.
    const wrongClass = ascii(
      '\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\ndtype\nK\x00\x85C\x01b\x87R.',
    );
    expect(() => unpickleRestricted(wrongClass, 'p')).toThrow(/class other than numpy.ndarray/);
  });
});

describe('VideoPose3D data_2d_custom npz', () => {
  it('round-trips (pickled): the main track, gaps filled by interpolation, metadata as VideoPose3D writes it', () => {
    const set = syntheticPoseSet();
    const path = join(tmp.dir, 'data_2d_custom_test.npz');
    writeVideoPose3dNpz(path, [{ name: 'clip.mp4', poseSet: set }]);
    const { videos, metadata } = readVideoPose3dNpz(path, { fps: 25 });
    expect(metadata).toEqual({
      layout_name: 'coco',
      num_joints: 17,
      keypoints_symmetry: [
        [1, 3, 5, 7, 9, 11, 13, 15],
        [2, 4, 6, 8, 10, 12, 14, 16],
      ],
      video_metadata: { 'clip.mp4': { w: 1280, h: 720 } },
    });
    expect(videos).toHaveLength(1);
    const { subject, action, poseSet } = videos[0];
    expect([subject, action]).toEqual(['clip.mp4', 'custom']);
    expect(poseSet.video).toMatchObject({ width: 1280, height: 720, fps: 25, name: 'clip.mp4' });
    const t = poseSet.tracks[0];
    expect(Array.from(t.frames)).toEqual(Array.from({ length: 20 }, (_, f) => f));
    const src = set.tracks[0];
    // Stored frames come back exactly (x, y; scores are not stored: 1).
    src.frames.forEach((f, i) => {
      for (let j = 0; j < 17; j++) {
        expect(t.keypoints[(f * 17 + j) * 3]).toBeCloseTo(src.keypoints[(i * 17 + j) * 3], 4);
        expect(t.keypoints[(f * 17 + j) * 3 + 1]).toBeCloseTo(src.keypoints[(i * 17 + j) * 3 + 1], 4);
        expect(t.keypoints[(f * 17 + j) * 3 + 2]).toBe(1);
      }
    });
    // Frame 6 lies halfway between stored frames 4 and 8 (positions 4 and 5).
    const mid = (src.keypoints[4 * 51] + src.keypoints[5 * 51]) / 2;
    expect(t.keypoints[6 * 51]).toBeCloseTo(mid, 4);
  });

  it('round-trips the plain layout and a chosen track with scores', () => {
    const set = syntheticPoseSet();
    set.tracks[1] = buildTrack(
      1,
      'coco17',
      Array.from(set.tracks[0].frames, (_, i) => ({
        frame: set.tracks[0].frames[i],
        keypoints: set.tracks[0].keypoints.subarray(i * 51, (i + 1) * 51),
        box: set.tracks[0].boxes.subarray(i * 4, i * 4 + 4),
        score: set.tracks[0].scores[i],
      })),
    );
    delete set.video.frameCount;
    const path = join(tmp.dir, 'plain.npz');
    writeVideoPose3dNpz(path, [{ name: 'a', poseSet: set, trackId: 1 }], { plain: true, withScores: true });
    const back = readVideoPose3dNpz(path).videos[0].poseSet.tracks[0];
    const stored = { ...back, frames: back.frames.filter((f) => set.tracks[1].frames.includes(f)) };
    const keep = Array.from(back.frames).flatMap((f, i) => (set.tracks[1].frames.includes(f) ? [i] : []));
    stored.keypoints = Float32Array.from(
      keep.flatMap((i) => Array.from(back.keypoints.subarray(i * 51, i * 51 + 51))),
    );
    expectTracksClose({ ...stored, trackId: 1 }, set.tracks[1], { boxes: false, scores: false });
    expect(back.frames).toHaveLength(20); // up to the last stored frame (no frame count given)
  });

  it('reads an npz written by numpy itself (protocol-4 pickles)', () => {
    const path = join(tmp.dir, 'data_2d_custom_numpy.npz');
    writeFileSync(path, b64(NUMPY_NPZ));
    const { videos, metadata } = readVideoPose3dNpz(path);
    expect(metadata.video_metadata).toEqual({ 'vid.mp4': { w: 640, h: 480 } });
    const t = videos[0].poseSet.tracks[0];
    expect(Array.from(t.frames)).toEqual([0, 1]);
    expect(t.keypoints[(17 + 2) * 3]).toBe(7.5);
    expect(t.keypoints[16 * 3 + 1]).toBe(-3.25);
  });

  it('refuses a pickle with a forbidden global, a missing array and a damaged archive', () => {
    const evil = ascii('\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.');
    const path = join(tmp.dir, 'evil.npz');
    writeFileSync(
      path,
      zipSync({ 'positions_2d.npy': writeNpy({ dtype: 'object', shape: [], pickle: evil }) }),
    );
    expect(() => readVideoPose3dNpz(path)).toThrow(
      /evil.npz\/positions_2d.npy: refused to load the pickled data: it contains a reference to os.system/,
    );
    writeFileSync(
      path,
      zipSync({ 'other.npy': writeNpy({ dtype: 'int32', shape: [1], data: Int32Array.of(1) }) }),
    );
    expect(() => readVideoPose3dNpz(path)).toThrow(/has neither positions_2d/);
    const good = join(tmp.dir, 'data_2d_custom_test.npz');
    writeFileSync(path, readFileSync(good).subarray(0, 200));
    expect(() => readVideoPose3dNpz(path)).toThrow(/evil.npz: the zip archive is damaged or truncated/);
    const set = syntheticPoseSet();
    expect(() => writeVideoPose3dNpz(path, [{ name: 'a', poseSet: set, trackId: 9 }])).toThrow(
      /there is no track 9 to write/,
    );
  });
});
