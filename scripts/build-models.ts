// Converts the TF.js pose models that ship in npm packages to ONNX under native-models/, checks
// each against TF.js, and records the result in native-models/manifest.json.
//
//   npx tsx scripts/build-models.ts          # convert + verify
//   npx tsx scripts/build-models.ts --check  # verify the committed file against a fresh conversion

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONVERTER_VERSION, ONNX_OPSET } from '../src/main/inference/onnx/convert';
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

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const pkg = humanPackage();
  const jsonPath = movenetLightningJsonPath();
  const modelJson = JSON.parse(readFileSync(jsonPath, 'utf8')) as { generatedBy?: string };

  const t0 = Date.now();
  const result = await convertMoveNetLightning();
  const convertMs = Date.now() - t0;
  const file = 'movenet-lightning.onnx';
  const onnxPath = path.join(outDir, file);
  const sha256 = createHash('sha256').update(result.bytes).digest('hex');
  if (check) {
    const existing = existsSync(onnxPath) ? await readFile(onnxPath) : undefined;
    const same = existing && createHash('sha256').update(existing).digest('hex') === sha256;
    console.log(same ? `${file}: up to date (${sha256})` : `${file}: differs from a fresh conversion`);
    if (!same) process.exitCode = 1;
    return;
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

  let manifest: { models: ManifestEntry[] } = { models: [] };
  if (existsSync(manifestPath))
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as typeof manifest;
  manifest.models = [...manifest.models.filter((m) => m.id !== entry.id), entry].sort((a, b) =>
    a.id.localeCompare(b.id),
  );
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${path.relative(root, onnxPath)} and ${path.relative(root, manifestPath)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
