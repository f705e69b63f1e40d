/**
 * What the crop inspector strip under the timeline shows for a frame, read from a written crop
 * directory: the crop, the prev crop, the flow as a colour-wheel picture and the mask, each as PNG
 * bytes the renderer can show directly (blob URL), plus the crop box to outline on the player.
 *
 * The crop, prev and mask are the stored files as they are; the flow picture is made from the
 * stored `<frame>.flow.png` (so it shows exactly what training will read), with a fixed speed scale
 * per directory so colours compare between frames.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import { cropFileName, CROPS_MANIFEST, type CropView } from '../../shared/vpd/crops';
import { decodeFlowPng, flowToColor, medianFlow } from './flow';
import { encodePng } from './png';
import { cropDirTarget, listCropFrames, readCropManifest, type CropManifest } from './write-crops';

export interface CropInspectorFrame {
  frame: number;
  /** Source-video pixels; null for a directory without crops.json (e.g. made by VPD's tools). */
  box: { x: number; y: number; size: number; bridged: boolean } | null;
  crop: Uint8Array;
  prev: Uint8Array | null;
  /** Colour-wheel picture of the flow (hue = direction, saturation = speed; white = still). */
  flow: Uint8Array | null;
  mask: Uint8Array | null;
  /** Median flow (crop pixels per frame) and the speed at full colour. */
  flowMedian: [number, number] | null;
  flowScalePx: number;
}

/** Speed (crop pixels per frame) shown at full colour: 4 px at 128-pixel crops, scaled with the crop. */
export function flowScaleFor(cropSize: number): number {
  return (4 * cropSize) / 128;
}

const manifests = new Map<string, { mtimeMs: number; manifest: CropManifest | null }>();

/** A directory's crops.json (null when it has none), read again only when the file changes. */
function cachedManifest(dir: string): CropManifest | null {
  const path = join(dir, CROPS_MANIFEST);
  const mtimeMs = existsSync(path) ? statSync(path).mtimeMs : -1;
  const hit = manifests.get(dir);
  if (hit && hit.mtimeMs === mtimeMs) return hit.manifest;
  const manifest = mtimeMs < 0 ? null : readCropManifest(dir);
  manifests.set(dir, { mtimeMs, manifest });
  return manifest;
}

/** The manifest's row of `frame` (rows are sorted by frame). */
function manifestRow(manifest: CropManifest, frame: number): CropManifest['frames'][number] | undefined {
  const rows = manifest.frames;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid][0] === frame) return rows[mid];
    if (rows[mid][0] < frame) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/**
 * The inspector's images for `frame` in the crop directory `outDir` (or its view sub-folder), or
 * null when that frame has no crop (the athlete is absent there).
 */
export function readCropFrame(outDir: string, frame: number, view?: CropView): CropInspectorFrame | null {
  const dir = cropDirTarget(outDir, view);
  if (!existsSync(dir)) throw new KinemaError('NO_CROPS', `No crops have been written to ${dir} yet.`);
  if (!Number.isInteger(frame) || frame < 0)
    throw new KinemaError('BAD_PARAMS', `Frame ${frame} is not a frame number.`);
  const file = (kind: 'crop' | 'prev' | 'flow' | 'mask') => {
    const path = join(dir, cropFileName(frame, kind));
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : null;
  };
  const crop = file('crop');
  if (!crop) return null;
  const manifest = cachedManifest(dir);
  const row = manifest ? manifestRow(manifest, frame) : undefined;
  const size = manifest?.crop_size ?? 128;
  const flowFile = file('flow');
  let flow: Uint8Array | null = null;
  let flowMedian: [number, number] | null = null;
  let flowScalePx = flowScaleFor(size);
  if (flowFile) {
    const field = decodeFlowPng(flowFile, cropFileName(frame, 'flow'));
    flowScalePx = flowScaleFor(field.width);
    flow = encodePng(flowToColor(field, flowScalePx), { level: 1 });
    flowMedian = medianFlow(field);
  }
  return {
    frame,
    box: row ? { x: row[1], y: row[2], size: row[3], bridged: row[4] === 1 } : null,
    crop,
    prev: file('prev'),
    flow,
    mask: file('mask'),
    flowMedian,
    flowScalePx,
  };
}

/** The frames of a crop directory (or its view sub-folder) that have a crop, for the strip. */
export function cropStripFrames(outDir: string, view?: CropView): number[] {
  return listCropFrames(cropDirTarget(outDir, view));
}
