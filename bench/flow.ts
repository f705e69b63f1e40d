/**
 * VPD crops and optical flow: Farnebäck flow speed on 128×128 and 256×256 crop pairs (ms per
 * pair, pairs/s, and its error on a known shift), the other per-crop costs (resampling, PNG
 * encoding, mask), and crop-directory writing speed end to end (decode → crops → flow → masks →
 * PNG files) on ../shared/data/video/demo.mp4 with a MoveNet track, or, when that file is absent,
 * on a generated 720p video of a walking person with its known track.
 *   npx tsx bench/flow.ts
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getModel } from '../src/main/inference/models';
import { openPoser } from '../src/main/inference/video-posers';
import { fittedSize } from '../src/main/media/decode';
import { streamRgbFramesThreaded } from '../src/main/media/decode-thread';
import { probeVideo } from '../src/main/media/probe';
import { cutCrop } from '../src/main/vpd/crop-frames';
import { encodeFlowPng, FlowEstimator, loadOpenCv, medianFlow } from '../src/main/vpd/flow';
import { skeletonMask } from '../src/main/vpd/mask';
import { encodePng } from '../src/main/vpd/png';
import { writeCropDir } from '../src/main/vpd/write-crops';
import { buildTrack, type PoseRow, type PoseTrack } from '../src/shared/pose';
import { computeCropBoxes, cropJitter } from '../src/shared/vpd/crops';
import { percentile, personVideo720p, WORK_DIR } from './common';

mkdirSync(WORK_DIR, { recursive: true });

function texture(w: number, h: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const u = x - dx;
      const v = y - dy;
      const val =
        128 + 45 * Math.sin(u * 0.31 + 0.7) * Math.cos(v * 0.23) + 30 * Math.sin((u + 2 * v) * 0.13 + 1.1);
      out[y * w + x] = Math.max(0, Math.min(255, Math.round(val)));
    }
  return out;
}

function time(n: number, fn: () => void): number[] {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return ms;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const fmt = (ms: number[]) =>
  `p50 ${percentile(ms, 50).toFixed(2)} ms, mean ${mean(ms).toFixed(2)} ms (${(1000 / mean(ms)).toFixed(0)}/s, n=${ms.length})`;

// ---------------------------------------------------------------------------------------------
console.log('== Optical flow (Farnebäck, @techstark/opencv-js, WebAssembly, 1 thread)');
const t0 = performance.now();
await loadOpenCv();
console.log(`OpenCV.js load: ${(performance.now() - t0).toFixed(0)} ms`);
const flow = await FlowEstimator.open();
for (const size of [128, 256]) {
  const a = texture(size, size, 0, 0);
  const b = texture(size, size, 3, -2);
  time(5, () => flow.compute(a, b, size, size));
  const ms = time(size === 128 ? 200 : 60, () => flow.compute(a, b, size, size));
  const [u, v] = medianFlow(flow.compute(a, b, size, size));
  console.log(
    `${size}×${size}: ${fmt(ms)} per pair; median flow (${u.toFixed(3)}, ${v.toFixed(3)}) for a (3, −2) shift`,
  );
}

console.log('\n== Other per-crop costs (from a 1280×720 frame, athlete box 600 px)');
const frame = new Uint8Array(1280 * 720 * 3);
for (let i = 0; i < frame.length; i++) frame[i] = (i * 2654435761) >>> 24;
const kp = [
  [640, 120],
  [630, 110],
  [650, 110],
  [620, 115],
  [660, 115],
  [580, 200],
  [700, 200],
  [560, 300],
  [720, 300],
  [550, 400],
  [730, 400],
  [600, 420],
  [680, 420],
  [595, 540],
  [685, 540],
  [590, 660],
  [690, 660],
].flatMap(([x, y]) => [x, y, 0.9]);
for (const size of [128, 256]) {
  const box = { x: 340, y: 90, size: 600 };
  const crop = cutCrop(frame, 1280, 720, 1280, 720, box, size);
  const field = flow.compute(
    crop.subarray(0, size * size),
    crop.subarray(size * size, 2 * size * size),
    size,
    size,
  );
  const mask = skeletonMask(kp, 'coco17', box, size);
  console.log(
    `${size}: resample crop ${fmt(time(40, () => cutCrop(frame, 1280, 720, 1280, 720, box, size)))}`,
  );
  console.log(
    `${size}: PNG crop (RGB) ${fmt(time(40, () => encodePng({ width: size, height: size, channels: 3, data: crop })))}`,
  );
  console.log(`${size}: flow PNG ${fmt(time(40, () => encodeFlowPng(field)))}`);
  console.log(`${size}: mask raster ${fmt(time(40, () => skeletonMask(kp, 'coco17', box, size)))}`);
  console.log(
    `${size}: PNG mask (grey) ${fmt(time(40, () => encodePng({ width: size, height: size, channels: 1, data: mask })))}`,
  );
}
flow.dispose();

// ---------------------------------------------------------------------------------------------
console.log('\n== Writing a crop directory (decode → crops + prev → flow → mask → 4 PNGs per frame)');
const demo = resolve(process.cwd(), '..', 'shared', 'data', 'video', 'demo.mp4');
let videoPath: string;
let track: PoseTrack;
let info: { width: number; height: number; fps: number };

/** MoveNet Lightning on every frame (decoded at ≤ 640 px), keypoints in source pixels. */
async function detectTrack(path: string, width: number, height: number, frames: number): Promise<PoseTrack> {
  const dec = fittedSize(width, height, 640);
  const poser = await openPoser(getModel('movenet-lightning'), {
    people: 'single',
    width: dec.width,
    height: dec.height,
    threads: 2,
    minPoseScore: 0.2,
  });
  const rows: PoseRow[] = [];
  let f = 0;
  for await (const rgb of streamRgbFramesThreaded({
    path,
    seekS: 0,
    frames,
    width: dec.width,
    height: dec.height,
  })) {
    for (const p of await poser.estimate(f, rgb)) {
      const k = p.keypoints.map((v, i) =>
        i % 3 === 0 ? (v * width) / dec.width : i % 3 === 1 ? (v * height) / dec.height : v,
      );
      const b = [
        p.box[0] * (width / dec.width),
        p.box[1] * (height / dec.height),
        p.box[2] * (width / dec.width),
        p.box[3] * (height / dec.height),
      ];
      rows.push({ frame: f, keypoints: k, box: b, score: p.score });
    }
    f++;
  }
  await poser.release();
  return buildTrack(0, 'coco17', rows);
}

if (existsSync(demo)) {
  const probe = await probeVideo(demo);
  info = { width: probe.width, height: probe.height, fps: probe.fps };
  const frames = Math.min(probe.declaredFrames || 230, 230);
  console.log(
    `${demo}: ${probe.width}×${probe.height}, ${probe.fps.toFixed(2)} fps; detecting the athlete (MoveNet)…`,
  );
  videoPath = demo;
  track = await detectTrack(demo, probe.width, probe.height, frames);
} else {
  console.log(`../shared/data/video/demo.mp4 is not there (${demo}): using a generated 720p video instead.`);
  videoPath = personVideo720p();
  info = { width: 1280, height: 720, fps: 30 };
  console.log('detecting the athlete (MoveNet)…');
  track = await detectTrack(videoPath, 1280, 720, 300);
}
console.log(`track: ${track.frames.length} posed frames`);
const raw = computeCropBoxes(track, {
  frameWidth: info.width,
  frameHeight: info.height,
  fps: info.fps,
  raw: true,
});
const smooth = computeCropBoxes(track, { frameWidth: info.width, frameHeight: info.height, fps: info.fps });
console.log(
  `crop box jitter (RMS 2nd difference of the centre, px/frame²): raw ${cropJitter(raw).toFixed(2)}, smoothed ${cropJitter(smooth).toFixed(2)}`,
);
for (const cropSize of [128, 256]) {
  const out = join(WORK_DIR, 'crops-bench', `size${cropSize}`);
  rmSync(out, { recursive: true, force: true });
  const t = performance.now();
  const r = await writeCropDir({ videoPath, video: info, track, outDir: out, cropSize });
  const wall = (performance.now() - t) / 1000;
  console.log(
    `${cropSize}×${cropSize}: ${r.frames} frames in ${wall.toFixed(2)} s = ${(r.frames / wall).toFixed(1)} frames/s ` +
      `(decoded at ${r.decodeWidth}×${r.decodeHeight}; flow ${r.flowMs.toFixed(1)} ms/pair; ${r.absent} frames without a crop)`,
  );
}
rmSync(join(WORK_DIR, 'crops-bench'), { recursive: true, force: true });
