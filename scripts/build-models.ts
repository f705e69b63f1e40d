// Converts the TF.js models that ship in npm packages to ONNX under native-models/, checks each
// against TF.js, and records the result in native-models/manifest.json: pose models under
// "models" (the registry, models.ts), the CenterNet person detector under "detectors".
//
//   npx tsx scripts/build-models.ts                # convert + verify every model
//   npx tsx scripts/build-models.ts centernet      # only the models named (ids)
//   npx tsx scripts/build-models.ts --check        # verify the committed files against a fresh conversion

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONVERTER_VERSION, ONNX_OPSET } from '../src/main/inference/onnx/convert';
import {
  CENTERNET_DETECTIONS,
  CENTERNET_OUTPUTS,
  CENTERNET_SIZE,
  COCO_PERSON,
  centernetJsonPath,
  convertCenterNet,
  verifyCenterNet,
} from '../src/main/inference/centernet';
import {
  convertMoveNetLightning,
  humanPackage,
  MOVENET_KEYPOINTS,
  movenetLightningJsonPath,
  SAMPLE_CROP,
  verifyMoveNet,
} from '../src/main/inference/movenet';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'native-models');
const manifestPath = path.join(outDir, 'manifest.json');

interface ManifestEntry {
  id: string;
  file: string;
  sha256: string;
  bytes: number;
  [key: string]: unknown;
}

interface Manifest {
  models: ManifestEntry[];
  detectors?: ManifestEntry[];
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** --check: is the committed file exactly a fresh conversion? */
async function checkFile(file: string, bytes: Uint8Array): Promise<void> {
  const onnxPath = path.join(outDir, file);
  const sha256 = sha256Of(bytes);
  const existing = existsSync(onnxPath) ? await readFile(onnxPath) : undefined;
  const same = existing && sha256Of(existing) === sha256;
  console.log(same ? `${file}: up to date (${sha256})` : `${file}: differs from a fresh conversion`);
  if (!same) process.exitCode = 1;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const ids = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const known = ['movenet-lightning', 'centernet'];
  for (const id of ids)
    if (!known.includes(id)) throw new Error(`unknown model "${id}" (known: ${known.join(', ')})`);
  const wanted = (id: string) => ids.length === 0 || ids.includes(id);

  let manifest: Manifest = { models: [] };
  if (existsSync(manifestPath)) manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  const upsert = (list: ManifestEntry[], entry: ManifestEntry) =>
    [...list.filter((m) => m.id !== entry.id), entry].sort((a, b) => a.id.localeCompare(b.id));

  if (wanted('movenet-lightning')) {
    const entry = await buildMoveNet(check);
    if (entry) manifest.models = upsert(manifest.models, entry);
  }
  if (wanted('centernet')) {
    const entry = await buildCenterNet(check);
    if (entry) manifest.detectors = upsert(manifest.detectors ?? [], entry);
  }
  if (check) return;
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${path.relative(root, manifestPath)}`);
}

async function buildMoveNet(check: boolean): Promise<ManifestEntry | undefined> {
  const pkg = humanPackage();
  const jsonPath = movenetLightningJsonPath();
  const modelJson = JSON.parse(readFileSync(jsonPath, 'utf8')) as { generatedBy?: string };

  const t0 = Date.now();
  const result = await convertMoveNetLightning();
  const convertMs = Date.now() - t0;
  const file = 'movenet-lightning.onnx';
  const onnxPath = path.join(outDir, file);
  const sha256 = sha256Of(result.bytes);
  if (check) {
    await checkFile(file, result.bytes);
    return undefined;
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(onnxPath, result.bytes);

  const v = await verifyMoveNet(onnxPath, jsonPath);
  const confident = v.imageKeypointsOnnx.filter((k) => k.score > 0.3).length;
  console.log(
    `${file}: ${(result.bytes.length / 1e6).toFixed(2)} MB in ${convertMs} ms; transposes ${result.stats.transposesBefore} -> ` +
      `${result.stats.transposesAfter}; max |ORT - TF.js| random ${v.randomMaxAbsDiff.toExponential(2)}, ` +
      `photo ${v.imageMaxAbsDiff.toExponential(2)}; ${confident}/17 keypoints > 0.3 on the photo`,
  );
  if (Math.max(v.randomMaxAbsDiff, v.imageMaxAbsDiff) >= 1e-3)
    throw new Error('verification failed: outputs differ from TF.js');

  const entry: ManifestEntry = {
    id: 'movenet-lightning',
    file,
    task: 'pose2d-single',
    description: 'MoveNet SinglePose Lightning (v4): one person, 17 COCO keypoints',
    source: {
      package: pkg.name,
      version: pkg.version,
      path: 'models/movenet-lightning.json (+ movenet-lightning.bin)',
      upstream: modelJson.generatedBy ?? 'https://tfhub.dev/google/movenet/singlepose/lightning/4',
      license: pkg.license,
      licenseNote:
        `${pkg.name} is ${pkg.license} (its LICENSE; models/README.md points to its wiki for model credits). The ` +
        "weights are Google's MoveNet from TF Hub (generatedBy above), published there under Apache-2.0; the npm " +
        'package itself does not restate that.',
    },
    input: {
      name: result.inputs[0].name,
      dtype: result.inputs[0].dtype,
      shape: result.inputs[0].shape,
      layout: 'NHWC',
      range: [0, 255],
      meaning: 'RGB image, 192x192, pixel values 0-255 (resize/letterbox the person crop to 192x192)',
    },
    output: {
      name: result.outputs[0].name,
      dtype: result.outputs[0].dtype,
      shape: result.outputs[0].shape,
      meaning:
        '[1, 1, 17, 3]: for each keypoint (y, x, score); y and x normalised to [0, 1] of the input image',
      keypoints: MOVENET_KEYPOINTS,
    },
    converter: {
      name: 'kinema tfjs-graph -> onnx',
      version: CONVERTER_VERSION,
      opset: ONNX_OPSET,
      command: 'npx tsx scripts/build-models.ts',
    },
    sha256,
    bytes: result.bytes.length,
    verification: {
      reference: 'TF.js 4.22 graph model, cpu backend, same inputs',
      runtime: 'onnxruntime-node (CPU)',
      maxAbsDiffRandomInput: v.randomMaxAbsDiff,
      maxAbsDiffSamplePhoto: v.imageMaxAbsDiff,
      samplePhoto: `${pkg.name}/assets/samples.jpg crop ${SAMPLE_CROP.w}x${SAMPLE_CROP.h}+${SAMPLE_CROP.x}+${SAMPLE_CROP.y} scaled to 192x192`,
      keypointsAbove0_3: confident,
    },
    onnxOps: result.onnxOps,
  };
  console.log(`wrote ${path.relative(root, onnxPath)}`);
  return entry;
}

async function buildCenterNet(check: boolean): Promise<ManifestEntry | undefined> {
  const pkg = humanPackage();
  const jsonPath = centernetJsonPath();
  const modelJson = JSON.parse(readFileSync(jsonPath, 'utf8')) as { generatedBy?: string };

  const t0 = Date.now();
  const result = await convertCenterNet();
  const convertMs = Date.now() - t0;
  const file = 'centernet.onnx';
  const onnxPath = path.join(outDir, file);
  if (check) {
    await checkFile(file, result.bytes);
    return undefined;
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(onnxPath, result.bytes);

  const v = await verifyCenterNet(onnxPath, jsonPath);
  const fmt = (d: Record<string, number>) =>
    Object.entries(d)
      .map(([k, x]) => `${k.replace('tower_0/', '')} ${x.toExponential(2)}`)
      .join(', ');
  console.log(
    `${file}: ${(result.bytes.length / 1e6).toFixed(2)} MB in ${convertMs} ms; transposes ${result.stats.transposesBefore} -> ` +
      `${result.stats.transposesAfter}; max |ORT - TF.js| random: ${fmt(v.random)}; photo: ${fmt(v.photo)}; ` +
      `${v.photoPeopleOnnx.length} people on the photo (TF.js: ${v.photoPeopleTfjs.length})`,
  );
  // The detections (what detectPeople reads) and the heatmap must match to 1e-3 absolute; wh is a
  // regression in input pixels (values in the hundreds), so its float32 accumulation-order noise
  // is held to 1e-5 of its magnitude instead.
  const whRel =
    Math.max(v.random['tower_0/wh'], v.photo['tower_0/wh']) / Math.max(1, v.photoMaxAbs['tower_0/wh']);
  const heat = Math.max(v.random['tower_0/keypoints'], v.photo['tower_0/keypoints']);
  if (v.detectionsMaxAbsDiff >= 1e-3 || heat >= 1e-3 || whRel >= 1e-5)
    throw new Error('verification failed: outputs differ from TF.js');
  if (v.photoPeopleOnnx.length !== v.photoPeopleTfjs.length)
    throw new Error('verification failed: ORT and TF.js find different people on the photo');

  return {
    id: 'centernet',
    file,
    task: 'detect-person',
    description: 'CenterNet MobileNetV3 (COCO-80 object detector), used for its person boxes',
    source: {
      package: pkg.name,
      version: pkg.version,
      path: 'models/centernet.json (+ centernet.bin)',
      upstream: modelJson.generatedBy ?? 'https://github.com/610265158/mobilenetv3_centernet',
      license: pkg.license,
      licenseNote:
        `${pkg.name} is ${pkg.license} (its LICENSE; models/README.md points to its wiki for model credits). The ` +
        'model is MB3-CenterNet by 610265158 (generatedBy above), trained on COCO; the npm package does not ' +
        "restate the upstream repository's licence, which should be checked before redistribution.",
    },
    input: {
      name: result.inputs[0].name,
      dtype: result.inputs[0].dtype,
      shape: result.inputs[0].shape,
      layout: 'NHWC',
      range: [0, 255],
      meaning: `RGB image resized (not letterboxed, as Human does) to ${CENTERNET_SIZE}x${CENTERNET_SIZE}, float pixel values 0-255`,
    },
    outputs: result.outputs.map((o) => ({
      name: o.name,
      dtype: o.dtype,
      shape: o.shape,
      meaning:
        o.name === CENTERNET_DETECTIONS
          ? `[1, 100, 6]: the top 100 heatmap peaks (3x3 max-pool NMS in the graph), each (x1, y1, x2, y2, score, class); ` +
            `box in input pixels 0-${CENTERNET_SIZE}, class the 0-based COCO-80 index (${COCO_PERSON} = person). ` +
            'Boxes of one object can repeat: apply a score threshold and NMS (centernet.ts detectPeople).'
          : o.name === CENTERNET_OUTPUTS[1]
            ? '[1, 128, 128, 80]: per-class centre heatmap (sigmoid), stride 4'
            : '[1, 128, 128, 4]: size/offset regression at stride 4, in input pixels',
    })),
    converter: {
      name: 'kinema tfjs-graph -> onnx',
      version: CONVERTER_VERSION,
      opset: ONNX_OPSET,
      command: 'npx tsx scripts/build-models.ts centernet',
    },
    sha256: sha256Of(result.bytes),
    bytes: result.bytes.length,
    verification: {
      reference: 'TF.js 4.22 graph model, cpu backend, same inputs',
      runtime: 'onnxruntime-node (CPU)',
      maxAbsDiffRandomInput: v.random,
      maxAbsDiffSamplePhoto: v.photo,
      maxAbsValueSamplePhoto: v.photoMaxAbs,
      samplePhoto: `${pkg.name}/assets/samples.jpg (${v.photoSize.width}x${v.photoSize.height}) resized to ${CENTERNET_SIZE}x${CENTERNET_SIZE}`,
      peopleOnSamplePhoto: v.photoPeopleOnnx.length,
      peopleCriteria: 'class person, score >= 0.3, NMS IoU 0.4',
    },
    onnxOps: result.onnxOps,
  };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
