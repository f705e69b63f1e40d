/**
 * 2D pose accuracy of every shipped pose model against a human COCO-17 label: the COCO val2017
 * skier (image 785) in ../shared/data/images/coco-skier/ (the image and its annotations.json).
 *   npx tsx bench/eval-coco-skier.ts
 *
 * Variants, for MoveNet Lightning and Thunder:
 *  (a) MoveNet on a square crop around the ground-truth box (side = 1.2 × its longer side);
 *  (b) CenterNet finds the person box, then MoveNet on the same kind of crop of that box;
 *  (c) MoveNet on the whole image letterboxed into a square (what a detection starts with).
 * And for every model, (d) the detect job's poser (inference/video-posers.ts) given the image as
 * two frames of a still video: what a detection stores once it has locked on (MoveNet: crop from
 * the first frame's pose; BlazePose: detector ROI, then the landmarks' own ROI; MultiPose: the
 * whole frame, the pose nearest the label). BlazePose's COCO-17 + feet are scored on the COCO-17.
 * Metrics over the labelled keypoints only (v > 0):
 *  - OKS with the COCO sigmas and the annotation's `area` (COCO's keypoint evaluation formula);
 *  - PCK@0.2 (torso): error < 0.2 × the torso diameter, |left shoulder − right hip| of the label;
 *  - PCK@0.2 (bbox): error < 0.2 × the longer side of the labelled box;
 *  - PCK@0.1 (torso), a tighter threshold (one image's PCK@0.2 saturates easily);
 *  - mean pixel error.
 * Missing data is not an error: it says so and exits 0.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { detectPeople } from '../src/main/inference/centernet';
import { getDetectorPath, getModel, modelInfos } from '../src/main/inference/models';
import { openPoser } from '../src/main/inference/video-posers';
import {
  cropResize,
  fullFrameRegion,
  keypointsFromOutput,
  type CropRegion,
} from '../src/main/inference/movenet-video';
import { ffmpegPaths } from '../src/main/media/ffmpeg';
import { COCO17_JOINTS } from '../src/shared/skeletons';
import { oks, oksSigmas } from '../src/shared/tracking/geometry';

const DIR = resolve(process.cwd(), '..', 'shared', 'data', 'images', 'coco-skier');
if (!existsSync(DIR)) {
  console.log('missing ../shared/data/images/coco-skier — nothing to evaluate.');
  process.exit(0);
}

interface CocoFile {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: {
    image_id: number;
    keypoints: number[];
    bbox: [number, number, number, number];
    area: number;
    iscrowd: number;
  }[];
}

const annFile = readdirSync(DIR).find((f) => f.endsWith('.json'));
if (!annFile) {
  console.log(`missing ../shared/data/images/coco-skier: no annotation JSON in ${DIR}`);
  process.exit(0);
}
const coco = JSON.parse(readFileSync(join(DIR, annFile), 'utf8')) as CocoFile;
const image = coco.images[0];
const ann = coco.annotations.find((a) => a.image_id === image.id && !a.iscrowd);
if (!ann || !existsSync(join(DIR, image.file_name))) {
  console.log(`missing ../shared/data/images/coco-skier: image or person annotation not found in ${DIR}`);
  process.exit(0);
}
const { width, height } = image;

// Decode with the project's ffmpeg to packed RGB24.
const rgb = new Uint8Array(
  execFileSync(
    ffmpegPaths().ffmpegPath,
    ['-v', 'error', '-i', join(DIR, image.file_name), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 64 << 20 },
  ),
);
if (rgb.length !== width * height * 3)
  throw new Error(`decoded ${rgb.length} bytes, expected ${width}x${height}x3`);

const threads = Number(process.env.KINEMA_ORT_THREADS ?? 2);
const sessionOptions: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
};
const centernet = await ort.InferenceSession.create(getDetectorPath('centernet'), sessionOptions);
let movenet: ort.InferenceSession;
let size = 0;

async function moveNet(region: CropRegion): Promise<{ kp: Float32Array; ms: number }> {
  const input = new Int32Array(size * size * 3);
  cropResize(rgb, width, height, region, size, input);
  const t = performance.now();
  const out = await movenet.run({
    [movenet.inputNames[0]]: new ort.Tensor('int32', input, [1, size, size, 3]),
  });
  const ms = performance.now() - t;
  const raw = out[movenet.outputNames[0]].data as Float32Array;
  const kp = new Float32Array(raw.length);
  keypointsFromOutput(raw, region, kp);
  return { kp, ms };
}

/** A square of 1.2 × the box's longer side around its centre. */
function paddedSquare([x, y, w, h]: readonly number[], pad = 1.2): CropRegion {
  const side = Math.max(w, h) * pad;
  return { x: x + w / 2 - side / 2, y: y + h / 2 - side / 2, size: side };
}

// Ground truth.
const K = COCO17_JOINTS.length;
const gt = new Float32Array(K * 3);
for (let j = 0; j < K; j++) {
  gt[j * 3] = ann.keypoints[j * 3];
  gt[j * 3 + 1] = ann.keypoints[j * 3 + 1];
  gt[j * 3 + 2] = ann.keypoints[j * 3 + 2] > 0 ? 1 : 0;
}
const labelled = Array.from({ length: K }, (_, j) => j).filter((j) => gt[j * 3 + 2] > 0);
const L_SHOULDER = COCO17_JOINTS.indexOf('left_shoulder');
const R_HIP = COCO17_JOINTS.indexOf('right_hip');
const torso = Math.hypot(gt[L_SHOULDER * 3] - gt[R_HIP * 3], gt[L_SHOULDER * 3 + 1] - gt[R_HIP * 3 + 1]);
const boxSide = Math.max(ann.bbox[2], ann.bbox[3]);
const sigmas = oksSigmas('coco17');

function evaluate(kp: Float32Array) {
  // OKS counts every labelled joint whatever the model's confidence (as COCO does).
  const pred = kp.slice();
  for (let j = 0; j < K; j++) pred[j * 3 + 2] = 1;
  const score = oks(pred, gt, sigmas, ann!.area, { minScore: 0.5 });
  const err = labelled.map((j) => Math.hypot(kp[j * 3] - gt[j * 3], kp[j * 3 + 1] - gt[j * 3 + 1]));
  const pck = (norm: number) => err.filter((e) => e < 0.2 * norm).length / err.length;
  return {
    oks: score,
    pckTorso: pck(torso),
    pckBox: pck(boxSide),
    pckTorso01: err.filter((e) => e < 0.1 * torso).length / err.length,
    meanErr: err.reduce((a, b) => a + b, 0) / err.length,
    err,
  };
}

const rows: { name: string; box: string; ms: number; r: ReturnType<typeof evaluate> }[] = [];
const fmtBox = (b: ArrayLike<number>) => `[${Array.from(b, (v) => v.toFixed(0)).join(', ')}]`;

for (const id of ['movenet-lightning', 'movenet-thunder']) {
  const model = getModel(id);
  movenet = await ort.InferenceSession.create(model.path, sessionOptions);
  size = model.inputSize;
  const name = id === 'movenet-lightning' ? 'Lightning' : 'Thunder';
  // Warm-up (first ORT runs allocate): timings below are of a second run.
  await moveNet(fullFrameRegion(width, height));
  await detectPeople(centernet, rgb, width, height);
  // (a) GT box.
  {
    const { kp, ms } = await moveNet(paddedSquare(ann.bbox));
    rows.push({ name: `(a) ${name}, GT-box crop`, box: fmtBox(ann.bbox), ms, r: evaluate(kp) });
  }
  // (b) CenterNet box.
  {
    const t = performance.now();
    const people = await detectPeople(centernet, rgb, width, height);
    const detMs = performance.now() - t;
    if (people.length === 0) {
      console.log('(b) CenterNet found no person in the image.');
    } else {
      // The detection that best matches the labelled person (the image may hold others).
      const best = people.reduce((a, b) => (iouXywh(b.box, ann.bbox) > iouXywh(a.box, ann.bbox) ? b : a));
      const { kp, ms } = await moveNet(paddedSquare(best.box));
      rows.push({
        name: `(b) CenterNet → ${name}`,
        box: `${fmtBox(best.box)} s=${best.score.toFixed(2)} IoU=${iouXywh(best.box, ann.bbox).toFixed(2)}`,
        ms: ms + detMs,
        r: evaluate(kp),
      });
    }
  }
  // (c) Whole image.
  {
    const { kp, ms } = await moveNet(fullFrameRegion(width, height));
    rows.push({ name: `(c) ${name}, whole image`, box: '-', ms, r: evaluate(kp) });
  }
  await movenet.release();
}

// (d) The detect job's posers, the image given twice (a still video).
for (const model of modelInfos()) {
  const people = model.people.includes('single') ? 'single' : 'multi';
  const poser = await openPoser(getModel(model.id), { people, width, height, threads, minPoseScore: 0.2 });
  await poser.estimate(0, rgb);
  const t = performance.now();
  const found = await poser.estimate(1, rgb);
  const ms = performance.now() - t;
  await poser.release();
  if (found.length === 0) {
    console.log(`(d) ${model.id}: no pose found`);
    continue;
  }
  const best = found.reduce((a, b) => (iouXywh(b.box, ann.bbox) > iouXywh(a.box, ann.bbox) ? b : a));
  rows.push({
    name: `(d) ${model.id} (${people}, ${poser.skeletonId})`,
    box: `${fmtBox(best.box)} IoU=${iouXywh(best.box, ann.bbox).toFixed(2)}`,
    ms,
    r: evaluate(best.keypoints.slice(0, K * 3)),
  });
}

function iouXywh(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

console.log(
  `COCO ${image.file_name} (${width}x${height}), person ${fmtBox(ann.bbox)}, area ${ann.area.toFixed(0)}, ` +
    `${labelled.length} labelled keypoints; torso (L shoulder–R hip) ${torso.toFixed(1)} px, box side ${boxSide.toFixed(1)} px; ORT threads ${threads}`,
);
console.log('');
console.log(
  '| Variant | Box (x, y, w, h) | OKS | PCK@0.2 torso | PCK@0.2 bbox | PCK@0.1 torso | Mean error (px) | Time (ms) |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const { name, box, ms, r } of rows)
  console.log(
    `| ${name} | ${box} | ${r.oks.toFixed(3)} | ${(100 * r.pckTorso).toFixed(0)}% | ${(100 * r.pckBox).toFixed(0)}% | ${(100 * r.pckTorso01).toFixed(0)}% | ${r.meanErr.toFixed(1)} | ${ms.toFixed(1)} |`,
  );
console.log('');
console.log('Per-joint error (px):');
rows.forEach((r, i) => console.log(`  [${i + 1}] ${r.name}`));
console.log(`| Joint | ${rows.map((_, i) => `[${i + 1}]`).join(' | ')} |`);
console.log(`| --- | ${rows.map(() => '---:').join(' | ')} |`);
labelled.forEach((j, i) =>
  console.log(`| ${COCO17_JOINTS[j]} | ${rows.map((r) => r.r.err[i].toFixed(1)).join(' | ')} |`),
);
await centernet.release();
