/**
 * Writing a VPD crop directory for a track: for every frame t of the range where the athlete has a
 * crop box, `<t>.png` (the crop), `<t>.prev.png` (frame t − 1 at the same box), `<t>.flow.png`
 * (Farnebäck flow from prev to crop, VPD's flow image: see flow.ts) and `<t>.mask.png` (the
 * skeleton mask: see mask.ts), plus Kinema's `crops.json` (the boxes and how everything was made;
 * VPD's tools ignore it). Tennis crops go to a `front/` or `back/` sub-folder.
 *
 * Atomic per directory: everything is written into a hidden temporary folder beside the target
 * (`.<name>.partial-<tag>`), which replaces the target by renames only when complete. A
 * cancelled or failed write removes it, so no half-written crop directory ever appears; an
 * existing directory is kept until the new one is complete. Files inside the temporary folder are
 * written directly: after a kill, the job resumes from its checkpoint and rewrites every frame
 * from there, so a file cut short by the kill is always rewritten.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import type { PoseTrack } from '../../shared/pose';
import {
  computeCropBoxes,
  cropBoxesInRange,
  cropFileName,
  CROP_VIEWS,
  CROPS_MANIFEST,
  keypointsForCrop,
  parseCropFileName,
  type CropBox,
  type CropBoxOptions,
  type CropView,
} from '../../shared/vpd/crops';
import { abortError } from '../media/ffmpeg';
import { readBytes, writeFileAtomic } from '../formats/io';
import { streamCropPairs, workingSize, type Rgb } from './crop-frames';
import {
  encodeFlowPng,
  farnebackParamsFor,
  FLOW_CLIP_PX,
  FLOW_ENCODING,
  FLOW_STEP_PX,
  FlowEstimator,
  OPENCV_PACKAGE,
  rgbToGray,
  type FarnebackParams,
} from './flow';
import { skeletonMask, type MaskOptions } from './mask';
import { decodePng, encodePng, toRgb } from './png';

export const DEFAULT_CROP_SIZE = 128;
/** Crops written between checkpoints (the job commits one every this many). */
export const CROP_CHUNK = 64;

export type CropBoxSettings = Partial<Omit<CropBoxOptions, 'frameWidth' | 'frameHeight' | 'fps'>>;

export interface CropDirOptions {
  videoPath: string;
  video: { width: number; height: number; fps: number; name?: string };
  track: PoseTrack;
  /** Half-open range [inFrame, outFrame); default the track's frames. */
  inFrame?: number;
  outFrame?: number;
  /** The video's crop directory (VPD: `<crops>/<video name>`). */
  outDir: string;
  /** Tennis: write into `<outDir>/front` or `<outDir>/back`. */
  view?: CropView;
  /** Side of the square crops, pixels. Default 128 (VPD's). */
  cropSize?: number;
  box?: CropBoxSettings;
  flow?: FarnebackParams;
  mask?: MaskOptions;
  /** Colour outside the frame. Default black. */
  fill?: Rgb;
  /** Longest side to decode at (default: chosen from the boxes, see workingSize). */
  decodeMaxSize?: number;
  /** cropSeekTime of frame max(0, inFrame − 1); found by indexing the video when absent. */
  seekS?: number;
  /** zlib level of the PNGs. Default 6. */
  pngLevel?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
  /** Extra facts for crops.json (run id, video id…). */
  provenance?: Record<string, unknown>;
  /** Resuming (the job): the temporary folder to use and keep, and the first frame to write. */
  partialDir?: string;
  resumeFrom?: number;
  /** Called every CROP_CHUNK crops, after their files are written; awaited before the next chunk's call. */
  onChunk?: (nextFrame: number, written: number) => Promise<void>;
}

export interface CropDirResult {
  dir: string;
  /** Frames written (over all attempts), first and last frame. */
  frames: number;
  firstFrame: number;
  lastFrame: number;
  /** Frames of the range with no crop (athlete absent), and crops bridging a short gap. */
  absent: number;
  bridged: number;
  cropSize: number;
  decodeWidth: number;
  decodeHeight: number;
  /** This attempt: frames per second (decode to written files) and mean flow time per pair (ms). */
  fps: number;
  flowMs: number;
}

export interface CropManifest {
  format: 'vpd-crops';
  written_by: 'kinema';
  version: 1;
  video: { name: string | null; width: number; height: number; fps: number };
  track: { track_id: number; skeleton: string };
  range: [number, number];
  view: CropView | null;
  crop_size: number;
  boxes: CropBoxSettings;
  flow: {
    method: string;
    library: string;
    params: Required<FarnebackParams>;
    encoding: string;
    clip_px: number;
    step_px: number;
  };
  mask: string;
  /** [frame, x, y, size, bridged (0 or 1)] per written frame, source-video pixels. */
  frames: [number, number, number, number, number][];
  [key: string]: unknown;
}

function checkOptions(o: CropDirOptions): { inFrame: number; outFrame: number; cropSize: number } {
  const cropSize = o.cropSize ?? DEFAULT_CROP_SIZE;
  if (!Number.isInteger(cropSize) || cropSize < 16 || cropSize > 1024)
    throw new KinemaError(
      'BAD_PARAMS',
      `The crop size must be a whole number of pixels from 16 to 1024, got ${cropSize}.`,
    );
  if (o.view !== undefined && !CROP_VIEWS.includes(o.view))
    throw new KinemaError('BAD_PARAMS', `The view must be 'front' or 'back', got ${String(o.view)}.`);
  const frames = o.track.frames;
  if (!frames.length)
    throw new KinemaError(
      'NO_POSES',
      `Track ${o.track.trackId} has no poses: nothing to crop. Detect poses in this video first.`,
    );
  const inFrame = o.inFrame ?? (frames.length ? frames[0] : 0);
  const outFrame = o.outFrame ?? (frames.length ? frames[frames.length - 1] + 1 : 0);
  if (!Number.isInteger(inFrame) || !Number.isInteger(outFrame) || inFrame < 0 || outFrame <= inFrame)
    throw new KinemaError('BAD_PARAMS', `The frame range [${inFrame}, ${outFrame}) is empty or invalid.`);
  return { inFrame, outFrame, cropSize };
}

/** The crop boxes a crop directory of this track and range gets (refuses a range without any). */
export function planCrops(o: CropDirOptions): CropBox[] {
  const { inFrame, outFrame } = checkOptions(o);
  const who = `Track ${o.track.trackId}`;
  let posed = 0;
  for (const f of o.track.frames) if (f >= inFrame && f < outFrame) posed++;
  if (!posed)
    throw new KinemaError(
      'NO_POSES',
      `${who} has no poses between frames ${inFrame} and ${outFrame - 1}: nothing to crop. Detect poses there first.`,
    );
  const boxes = cropBoxesInRange(
    computeCropBoxes(o.track, {
      ...o.box,
      frameWidth: o.video.width,
      frameHeight: o.video.height,
      fps: o.video.fps,
    }),
    inFrame,
    outFrame,
  );
  if (!boxes.length)
    throw new KinemaError(
      'NO_POSES',
      `${who}'s ${posed} poses between frames ${inFrame} and ${outFrame - 1} all score too low to place a crop.`,
    );
  return boxes;
}

/** Where a crop directory's files go: the outDir, or its view sub-folder. */
export function cropDirTarget(outDir: string, view?: CropView): string {
  return view ? join(outDir, view) : outDir;
}

/** The hidden temporary folder a write into `target` uses (`tag`: the job id, for resuming). */
export function partialDirFor(target: string, tag: string): string {
  return join(dirname(target), `.${basename(target)}.partial-${tag}`);
}

/** Writes the crop directory (see the module comment). */
export async function writeCropDir(o: CropDirOptions): Promise<CropDirResult> {
  const { inFrame, outFrame, cropSize } = checkOptions(o);
  const boxes = planCrops(o);
  const target = cropDirTarget(o.outDir, o.view);
  const partial = o.partialDir ?? partialDirFor(target, randomBytes(4).toString('hex'));
  const resuming = o.resumeFrom !== undefined && o.resumeFrom > inFrame && existsSync(partial);
  const start = resuming ? o.resumeFrom! : inFrame;
  // Parent folders this write creates are removed again if it does not complete.
  const createdParent = mkdirSync(dirname(partial), { recursive: true });
  if (!resuming) rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const cleanUp = () => {
    rmSync(partial, { recursive: true, force: true });
    if (createdParent) rmSync(createdParent, { recursive: true, force: true });
  };

  const flowParams = farnebackParamsFor(cropSize, o.flow);
  let estimator: FlowEstimator | null = null;
  const started = performance.now();
  let flowMs = 0;
  let pairs = 0;
  const total = outFrame - inFrame;
  try {
    estimator = await FlowEstimator.open(o.flow);
    const todo = boxes.filter((b) => b.frame >= start);
    const size = workingSize(boxes, o.video.width, o.video.height, cropSize, o.decodeMaxSize);
    const fromFrame = resuming || o.seekS === undefined ? undefined : Math.max(0, inFrame - 1);
    let pending: Promise<void> = Promise.resolve();
    let sinceChunk = 0;
    let written = 0;
    o.onProgress?.(start - inFrame, total, 'Cutting crops');
    const stream = streamCropPairs({
      path: o.videoPath,
      sourceWidth: o.video.width,
      sourceHeight: o.video.height,
      boxes: todo,
      cropSize,
      decodeWidth: size.width,
      decodeHeight: size.height,
      fromFrame,
      seekS: fromFrame === undefined ? undefined : o.seekS,
      fill: o.fill,
      signal: o.signal,
    });
    for await (const pair of stream) {
      if (o.signal?.aborted) throw abortError();
      const t0 = performance.now();
      const flow = estimator.compute(rgbToGray(pair.prev), rgbToGray(pair.crop), cropSize, cropSize);
      flowMs += performance.now() - t0;
      pairs++;
      const kps = keypointsForCrop(o.track, pair.frame);
      const mask = kps
        ? skeletonMask(kps, o.track.skeletonId, pair.box, cropSize, o.mask)
        : new Uint8Array(cropSize * cropSize);
      const level = { level: o.pngLevel ?? 6 };
      const files: [string, Uint8Array][] = [
        [
          cropFileName(pair.frame, 'crop'),
          encodePng({ width: cropSize, height: cropSize, channels: 3, data: pair.crop }, level),
        ],
        [
          cropFileName(pair.frame, 'prev'),
          encodePng({ width: cropSize, height: cropSize, channels: 3, data: pair.prev }, level),
        ],
        [cropFileName(pair.frame, 'flow'), encodeFlowPng(flow)],
        [
          cropFileName(pair.frame, 'mask'),
          encodePng({ width: cropSize, height: cropSize, channels: 1, data: mask }, level),
        ],
      ];
      for (const [name, data] of files) writeFileSync(join(partial, name), data);
      written++;
      if (++sinceChunk >= CROP_CHUNK && o.onChunk) {
        sinceChunk = 0;
        await pending;
        pending = o.onChunk(pair.frame + 1, written);
        // Handled here so a failing commit is not an unhandled rejection; awaited (and thrown) above.
        pending.catch(() => undefined);
      }
      const fps = pairs / ((performance.now() - started) / 1000);
      if (pairs % 8 === 0) o.onProgress?.(pair.frame + 1 - inFrame, total, `${fps.toFixed(0)} crops/s`);
    }
    await pending;
    if (o.signal?.aborted) throw abortError();

    // Which frames are complete (over every attempt), then the manifest, then the swap.
    const have = new Map<number, number>();
    for (const name of readdirSync(partial)) {
      const parsed = parseCropFileName(name);
      if (parsed) have.set(parsed.frame, (have.get(parsed.frame) ?? 0) + 1);
    }
    const done = boxes.filter((b) => have.get(b.frame) === 4);
    if (!done.length)
      throw new KinemaError(
        'DECODE_FAILED',
        `No frame between ${inFrame} and ${outFrame - 1} could be decoded.`,
      );
    const manifest: CropManifest = {
      format: 'vpd-crops',
      written_by: 'kinema',
      version: 1,
      video: { name: o.video.name ?? null, width: o.video.width, height: o.video.height, fps: o.video.fps },
      track: { track_id: o.track.trackId, skeleton: o.track.skeletonId },
      range: [inFrame, outFrame],
      view: o.view ?? null,
      crop_size: cropSize,
      boxes: { ...o.box },
      flow: {
        method: 'farneback',
        library: OPENCV_PACKAGE,
        params: flowParams,
        encoding: FLOW_ENCODING,
        clip_px: FLOW_CLIP_PX,
        step_px: FLOW_STEP_PX,
      },
      mask: 'skeleton raster (approximation of a segmentation mask)',
      frames: done.map((b) => [b.frame, round2(b.x), round2(b.y), round2(b.size), b.bridged ? 1 : 0]),
      ...(o.provenance ? { provenance: o.provenance } : {}),
    };
    writeFileSync(join(partial, CROPS_MANIFEST), `${JSON.stringify(manifest)}\n`);
    swapInto(partial, target);
    o.onProgress?.(total, total, 'Written');
    const elapsedS = (performance.now() - started) / 1000;
    return {
      dir: target,
      frames: done.length,
      firstFrame: done[0].frame,
      lastFrame: done[done.length - 1].frame,
      absent: total - boxes.length,
      bridged: done.filter((b) => b.bridged).length,
      cropSize,
      decodeWidth: size.width,
      decodeHeight: size.height,
      fps: pairs / Math.max(elapsedS, 1e-6),
      flowMs: pairs ? flowMs / pairs : 0,
    };
  } catch (err) {
    cleanUp();
    throw err;
  } finally {
    estimator?.dispose();
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Renames the finished folder into place, replacing an existing one only once this one is there. */
function swapInto(partial: string, target: string): void {
  let old: string | null = null;
  if (existsSync(target)) {
    old = join(dirname(target), `.${basename(target)}.old-${randomBytes(4).toString('hex')}`);
    renameSync(target, old);
  }
  try {
    renameSync(partial, target);
  } catch (err) {
    if (old) renameSync(old, target);
    throw err;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Reading back

/** Reads and checks a crop directory's crops.json. */
export function readCropManifest(dir: string): CropManifest {
  const path = join(dir, CROPS_MANIFEST);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(readBytes(path)));
  } catch (err) {
    if (err instanceof KinemaError)
      throw new KinemaError('NO_CROPS', `${dir} is not a Kinema crop directory (${err.message}).`);
    throw new KinemaError('NO_CROPS', `${path} is not valid JSON (${(err as Error).message}).`);
  }
  const m = parsed as Partial<CropManifest>;
  if (m.format !== 'vpd-crops' || !Array.isArray(m.frames) || !Number.isInteger(m.crop_size))
    throw new KinemaError('NO_CROPS', `${path} does not describe a crop directory.`);
  return m as CropManifest;
}

/** The frames that have a crop in a crop directory (read from the files, so VPD's own folders work too). */
export function listCropFrames(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new KinemaError('NO_CROPS', `The crop directory ${dir} does not exist.`);
  }
  const frames: number[] = [];
  for (const name of names) {
    const p = parseCropFileName(name);
    if (p?.kind === 'crop') frames.push(p.frame);
  }
  return frames.sort((a, b) => a - b);
}

export interface FlowDirOptions {
  /** Recompute flow files that exist already. Default false. */
  overwrite?: boolean;
  flow?: FarnebackParams;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * (Re)computes `<frame>.flow.png` for every `<frame>.png` that has a `<frame>.prev.png`, in `dir`
 * and its `front/` and `back/` sub-folders: for crop directories made elsewhere (VPD's own
 * extract_square_crops.py) or with other flow settings. Each file is written atomically.
 */
export async function writeFlowForCropDir(
  dir: string,
  options: FlowDirOptions = {},
): Promise<{ written: number; skipped: number; flowMs: number }> {
  const dirs = [dir, ...CROP_VIEWS.map((v) => join(dir, v)).filter((d) => existsSync(d))];
  const jobs: { dir: string; frame: number }[] = [];
  for (const d of dirs)
    for (const frame of listCropFrames(d)) {
      if (!existsSync(join(d, cropFileName(frame, 'prev')))) continue;
      jobs.push({ dir: d, frame });
    }
  if (!jobs.length)
    throw new KinemaError(
      'NO_CROPS',
      `${dir} has no <frame>.png with a <frame>.prev.png to compute flow for.`,
    );
  const estimator = await FlowEstimator.open(options.flow);
  let written = 0;
  let skipped = 0;
  let flowMs = 0;
  try {
    for (const [i, job] of jobs.entries()) {
      if (options.signal?.aborted) throw abortError();
      const out = join(job.dir, cropFileName(job.frame, 'flow'));
      if (!options.overwrite && existsSync(out)) {
        skipped++;
        continue;
      }
      const read = (kind: 'crop' | 'prev') => {
        const name = cropFileName(job.frame, kind);
        return decodePng(readBytes(join(job.dir, name)), name);
      };
      const cur = read('crop');
      const prev = read('prev');
      if (cur.width !== prev.width || cur.height !== prev.height)
        throw new KinemaError(
          'BAD_IMAGE',
          `${cropFileName(job.frame, 'prev')} is ${prev.width}×${prev.height}, its crop ${cur.width}×${cur.height}.`,
        );
      const t0 = performance.now();
      const field = estimator.compute(rgbToGray(toRgb(prev)), rgbToGray(toRgb(cur)), cur.width, cur.height);
      flowMs += performance.now() - t0;
      writeFileAtomic(out, encodeFlowPng(field));
      written++;
      options.onProgress?.(i + 1, jobs.length);
    }
  } finally {
    estimator.dispose();
  }
  return { written, skipped, flowMs: written ? flowMs / written : 0 };
}
