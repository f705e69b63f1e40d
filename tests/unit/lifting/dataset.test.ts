import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SAMPLE_OPTIONS,
  parseClipsCsv,
  renderView,
  resample,
  splitBySubject,
  subjectOf,
  WindowSampler,
} from '../../../src/shared/lifting/dataset';
import { syntheticWalker } from './synthetic';

const CSV = [
  'folder,file,cmu_take,description,category,frames,fps',
  'cmu-bvh-cc-rig,007_01.bvh,07_01,walk,walk,157,59.999',
  'cmu-bvh-cc-rig,005_02.bvh,05_02,"salsa, with ""spins""",dance,562,59.999',
  'cmu-bvh,13_32.bvh,13_32,jumps,jump,337,120.0',
  'cmu-bvh,13_32.bvh,13_32,jumps,jump,337,120.0',
  'cmu-bvh,cmuGolf.bvh,,"golf swing",sports/martial-arts,401,120.0',
].join('\n');

describe('mocap dataset', () => {
  it('reads clips.csv with quoted fields and drops repeated rows', () => {
    const clips = parseClipsCsv(CSV);
    expect(clips.length).toBe(4);
    expect(clips[1].description).toBe('salsa, with "spins"');
    expect(clips[3].cmuTake).toBeNull();
    expect(() => parseClipsCsv('folder,file\na,b')).toThrow(/lacks the column/);
  });

  it('parses CMU subjects from file names and clips.csv', () => {
    const clips = parseClipsCsv(CSV);
    expect(subjectOf('07_01.bvh')).toBe('07');
    expect(subjectOf('/data/cmu-bvh/13_32.bvh')).toBe('13');
    expect(subjectOf('007_01.bvh', 'cmu-bvh-cc-rig', clips)).toBe('07');
    expect(subjectOf('005_02.bvh')).toBe('05');
    expect(subjectOf('cmuGolf.bvh', 'cmu-bvh', clips)).toBeNull();
    const wrong = parseClipsCsv(CSV.replace('007_01.bvh,07_01', '007_01.bvh,08_01'));
    expect(() => subjectOf('007_01.bvh', 'cmu-bvh-cc-rig', wrong)).toThrow(/subject 07.*08/);
  });

  it('never puts a subject in both splits; unknown subjects train', () => {
    const seqs = ['01', '07', '13', '07', '05', null, '13', '16'].map((subject, i) =>
      syntheticWalker({ id: `s${i}`, subject, frames: 10 }),
    );
    const { train, validation } = splitBySubject(seqs, ['07', '13']);
    expect(validation.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's6']);
    const trainSubjects = new Set(train.map((s) => s.subject));
    for (const v of validation) expect(trainSubjects.has(v.subject)).toBe(false);
    expect(train.length + validation.length).toBe(seqs.length);
    expect(train.some((s) => s.subject === null)).toBe(true);
  });

  it('resamples linearly in time', () => {
    const v = Float32Array.from([0, 10, 20, 30, 40]); // 5 frames at 100 fps, size 1
    expect(Array.from(resample(v, 1, 100, 50))).toEqual([0, 20, 40]);
    expect(Array.from(resample(v, 1, 100, 200))).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
    expect(Array.from(resample(v, 1, 100, 50, 4))).toEqual([0, 20, 40, 40]);
  });

  it('draws windows reproducibly: camera-space root-relative targets, flips, edge padding', () => {
    const seq = syntheticWalker({ frames: 60 });
    const rf = 9;
    const sampler = new WindowSampler([seq], { ...DEFAULT_SAMPLE_OPTIONS, receptiveField: rf });
    expect(sampler.windowCount).toBe(60);
    const B = 16;
    const idx = Uint32Array.from({ length: B }, (_, i) => i * 3);
    const a = { input: new Float32Array(B * rf * 34), target: new Float32Array(B * 51) };
    const b = { input: new Float32Array(B * rf * 34), target: new Float32Array(B * 51) };
    sampler.fill(idx, 5, a.input, a.target);
    sampler.fill(idx, 5, b.input, b.target);
    expect(a.input).toEqual(b.input);
    expect(a.target).toEqual(b.target);
    const c = { input: new Float32Array(B * rf * 34), target: new Float32Array(B * 51) };
    sampler.fill(idx, 6, c.input, c.target);
    expect(c.input).not.toEqual(a.input);
    for (let i = 0; i < B; i++) {
      // pelvis at the origin; the pose is a person-sized thing in metres
      for (const v of a.target.slice(i * 51, i * 51 + 3)) expect(Math.abs(v)).toBe(0);
      const head = Math.hypot(...a.target.slice(i * 51 + 30, i * 51 + 33));
      expect(head).toBeGreaterThan(0.5);
      expect(head).toBeLessThan(1);
    }
    // window 0 is padded by replicating frame 0: its first (rf − 1) / 2 + 1 frames are equal
    // (clean, static camera: no noise, no pan)
    const still = new WindowSampler([seq], {
      ...DEFAULT_SAMPLE_OPTIONS,
      receptiveField: rf,
      noiseProbability: 0,
      flipProbability: 0,
      camera: { ...DEFAULT_SAMPLE_OPTIONS.camera, panProbability: 0 },
    });
    const d = { input: new Float32Array(rf * 34), target: new Float32Array(51) };
    still.fill([0], 1, d.input, d.target);
    for (let k = 1; k <= (rf - 1) / 2; k++)
      expect(Array.from(d.input.slice(k * 34, k * 34 + 34))).toEqual(Array.from(d.input.slice(0, 34)));
    expect(Array.from(d.input.slice((rf - 1) * 34, rf * 34))).not.toEqual(Array.from(d.input.slice(0, 34)));
  });

  it('plays windows at other speeds (speedRange): every 2nd frame at 2×, midpoints at ½×; targets are real frames', () => {
    const seq = syntheticWalker({ frames: 121 });
    const rf = 9;
    const pad = (rf - 1) / 2;
    const everyOther = (v: Float32Array) =>
      Float32Array.from({ length: 61 * 51 }, (_, i) => v[Math.floor(i / 51) * 2 * 51 + (i % 51)]);
    const midpoints = (v: Float32Array) =>
      Float32Array.from({ length: 241 * 51 }, (_, i) => {
        const f = Math.floor(i / 51) / 2;
        const c = i % 51;
        const f0 = Math.floor(f);
        return f === f0 ? v[f0 * 51 + c] : v[f0 * 51 + c] * 0.5 + v[(f0 + 1) * 51 + c] * 0.5;
      });
    const fast = { ...seq, frames: 61, h36m: everyOther(seq.h36m), coco: everyOther(seq.coco) };
    const slow = { ...seq, frames: 241, h36m: midpoints(seq.h36m), coco: midpoints(seq.coco) };
    const options = { ...DEFAULT_SAMPLE_OPTIONS, receptiveField: rf };
    const draw = (s: typeof seq, speed: [number, number] | null, frame: number) => {
      const out = { input: new Float32Array(rf * 34), target: new Float32Array(51) };
      new WindowSampler([s], { ...options, speedRange: speed }).fill([frame], 3, out.input, out.target);
      return out;
    };
    // Window centred on frame 60 at 2×: frames 52, 54 … 68, i.e. window 30 of the halved take.
    const at2 = draw(seq, [2, 2], 60);
    const ref2 = draw(fast, null, 30);
    expect(Array.from(at2.input)).toEqual(Array.from(ref2.input));
    expect(Array.from(at2.target)).toEqual(Array.from(ref2.target));
    // At ½×: frames 58, 58.5 … 62, interpolated — window 120 of the take with midpoints added.
    const atHalf = draw(seq, [0.5, 0.5], 60);
    const refHalf = draw(slow, null, 120);
    for (let i = 0; i < rf * 34; i++) expect(atHalf.input[i]).toBeCloseTo(refHalf.input[i], 5);
    expect(Array.from(atHalf.target)).toEqual(Array.from(ref2.target));
    // A range draws a speed per window: inputs differ from speed 1, the targets (middle frames) and
    // the middle frames' 2D not (clean 2D: the detector noise's slow bias depends on earlier frames).
    const B = 8;
    const idx = Uint32Array.from({ length: B }, (_, i) => 40 + i * 5);
    const plain = { input: new Float32Array(B * rf * 34), target: new Float32Array(B * 51) };
    const varied = { input: new Float32Array(B * rf * 34), target: new Float32Array(B * 51) };
    const clean = { ...options, noiseProbability: 0 };
    new WindowSampler([seq], clean).fill(idx, 9, plain.input, plain.target);
    new WindowSampler([seq], { ...clean, speedRange: [0.75, 1.33] }).fill(
      idx,
      9,
      varied.input,
      varied.target,
    );
    expect(Array.from(varied.target)).toEqual(Array.from(plain.target));
    for (let b = 0; b < B; b++) {
      const mid = (b * rf + pad) * 34;
      expect(Array.from(varied.input.slice(mid, mid + 34))).toEqual(
        Array.from(plain.input.slice(mid, mid + 34)),
      );
      expect(Array.from(varied.input.slice(b * rf * 34, b * rf * 34 + 34))).not.toEqual(
        Array.from(plain.input.slice(b * rf * 34, b * rf * 34 + 34)),
      );
    }
  });

  it('plays windows backwards (reverseProbability): the window of the take reversed in time, same target', () => {
    const seq = syntheticWalker({ frames: 121 });
    const rf = 9;
    const reverseFrames = (v: Float32Array) =>
      Float32Array.from({ length: v.length }, (_, i) => v[(120 - Math.floor(i / 51)) * 51 + (i % 51)]);
    const backwards = { ...seq, h36m: reverseFrames(seq.h36m), coco: reverseFrames(seq.coco) };
    const options = { ...DEFAULT_SAMPLE_OPTIONS, receptiveField: rf };
    const draw = (s: typeof seq, reverseProbability: number, frame: number) => {
      const out = { input: new Float32Array(rf * 34), target: new Float32Array(51) };
      new WindowSampler([s], { ...options, reverseProbability }).fill([frame], 3, out.input, out.target);
      return out;
    };
    // Frame 50 played backwards = frame 70 of the reversed take (120 − 50), camera and noise alike.
    const reversed = draw(seq, 1, 50);
    const ref = draw(backwards, 0, 70);
    expect(Array.from(reversed.input)).toEqual(Array.from(ref.input));
    expect(Array.from(reversed.target)).toEqual(Array.from(ref.target));
    const forwards = draw(seq, 0, 50);
    expect(Array.from(reversed.input)).not.toEqual(Array.from(forwards.input));
    expect(Array.from(reversed.target)).toEqual(Array.from(forwards.target));
  });

  it('renders fixed validation views whose 3D matches the mocap up to a rotation', () => {
    const seq = syntheticWalker({ frames: 30 });
    const view = renderView(seq, 0, 1);
    const again = renderView(seq, 0, 1);
    const other = renderView(seq, 1, 1);
    expect(view.input).toEqual(again.input);
    expect(view.input).not.toEqual(other.input);
    expect(view.input.length).toBe(30 * 34);
    // bone lengths are preserved by the camera transform
    for (const t of [0, 17]) {
      const w = (j: number): number[] => Array.from(seq.h36m.slice(t * 51 + j * 3, t * 51 + j * 3 + 3));
      const c = (j: number): number[] => Array.from(view.target.slice(t * 51 + j * 3, t * 51 + j * 3 + 3));
      const len = (p: number[], q: number[]): number => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
      expect(len(c(2), c(3))).toBeCloseTo(len(w(2), w(3)), 4);
      expect(len(c(11), c(13))).toBeCloseTo(len(w(11), w(13)), 4);
    }
  });
});
