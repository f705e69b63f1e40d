/**
 * The crop inspector strip's images, computed on demand for a stored track (`vpd.inspect`): the
 * crop boxes of the whole track exactly as the crops job places them (smoothed, short gaps
 * bridged, padded at the frame edges), then for the asked frames one short decode of the source
 * video (frame t − 1 to the last asked frame), the crop and prev crop at each frame's box,
 * Farnebäck flow between them (shown as a colour wheel: hue = direction, saturation = speed) and
 * the skeleton mask. Nothing is written to disk.
 */
import { existsSync } from 'node:fs';
import type {
  CropInspectFrame,
  CropInspectStatus,
  cropInspectorRequests,
} from '../../shared/contract-crop-inspector';
import { KinemaError } from '../../shared/errors';
import { frameIndexOf } from '../../shared/pose';
import { computeCropBoxes, cropBoxAt, keypointsForCrop, type CropBox } from '../../shared/vpd/crops';
import type { z } from 'zod';
import type { Db } from '../db/connection';
import * as posesDb from '../db/poses';
import { getVideoMedia } from '../db/videos';
import { cropSeekTime, streamCropPairs, workingSize } from './crop-frames';
import { FlowEstimator, flowToColor, medianFlow, rgbToGray } from './flow';
import { flowScaleFor } from './inspector';
import { skeletonMask } from './mask';
import { encodePng } from './png';

type InspectInput = z.input<(typeof cropInspectorRequests)['vpd.inspect']['input']>;
type InspectOutput = z.output<(typeof cropInspectorRequests)['vpd.inspect']['output']>;

export const INSPECT_CROP_SIZE = 128;

/** One estimator per process: OpenCV.js loads once (about half a second) and its buffers are reused. */
let estimator: Promise<FlowEstimator> | null = null;
function flowEstimator(): Promise<FlowEstimator> {
  estimator ??= FlowEstimator.open().catch((err: unknown) => {
    estimator = null;
    throw err;
  });
  return estimator;
}

/** True where the square reaches past the frame on any side (that part of the crop is padding). */
export function boxIsPadded(box: Pick<CropBox, 'x' | 'y' | 'size'>, width: number, height: number): boolean {
  const eps = 1e-6;
  return box.x < -eps || box.y < -eps || box.x + box.size > width + eps || box.y + box.size > height + eps;
}

/** The strip's frames around `frame` with their images (see the module comment). */
export async function inspectTrack(db: Db, input: InspectInput): Promise<InspectOutput> {
  const { run, tracks } = posesDb.loadRunTracks(db, input.runId);
  const track = tracks.find((t) => t.trackId === input.trackId);
  if (!track)
    throw new KinemaError(
      'NOT_FOUND',
      `Run ${run.id} has no track ${input.trackId} (tracks: ${tracks.map((t) => t.trackId).join(', ') || 'none'}).`,
    );
  if (!track.frames.length)
    throw new KinemaError(
      'NO_POSES',
      `Track ${track.trackId} of run ${run.id} has no poses: nothing to crop. Detect poses in this video first.`,
    );
  const info = getVideoMedia(db, run.videoId);
  const video = info.video;
  if (!existsSync(video.path))
    throw new KinemaError('SOURCE_MISSING', `The video file was moved or deleted: ${video.path}`);
  if (input.frame >= video.frameCount)
    throw new KinemaError(
      'BAD_RANGE',
      `Frame ${input.frame} is outside ${video.fileName}, which has frames 0 to ${video.frameCount - 1}.`,
    );
  const cropSize = input.cropSize ?? INSPECT_CROP_SIZE;
  const neighbours = input.neighbours ?? 0;
  const first = Math.max(0, input.frame - neighbours);
  const last = Math.min(video.frameCount - 1, input.frame + neighbours);
  const boxes = computeCropBoxes(track, {
    frameWidth: video.width,
    frameHeight: video.height,
    fps: video.fps,
  });
  const span: [number, number] = [track.frames[0], track.frames[track.frames.length - 1]];

  const out: CropInspectFrame[] = [];
  const wanted: CropBox[] = [];
  for (let f = first; f <= last; f++) {
    const box = cropBoxAt(boxes, f);
    const posed = frameIndexOf(track, f) >= 0;
    const status: CropInspectStatus = box
      ? posed
        ? 'posed'
        : 'bridged'
      : f >= span[0] && f <= span[1]
        ? 'gap'
        : 'outside';
    if (box) wanted.push(box);
    out.push({
      frame: f,
      status,
      box: box ? { x: box.x, y: box.y, size: box.size } : null,
      padded: box ? boxIsPadded(box, video.width, video.height) : false,
      crop: null,
      prev: null,
      flow: null,
      mask: null,
      flowMedian: null,
      maskCoverage: null,
    });
  }
  const flowScalePx = flowScaleFor(cropSize);
  if (wanted.length) {
    const flow = await flowEstimator();
    const from = Math.max(0, wanted[0].frame - 1);
    const size = workingSize(wanted, video.width, video.height, cropSize, 1280);
    const level = { level: 1 };
    const pairs = streamCropPairs({
      path: video.path,
      sourceWidth: video.width,
      sourceHeight: video.height,
      boxes: wanted,
      cropSize,
      decodeWidth: size.width,
      decodeHeight: size.height,
      fromFrame: from,
      seekS: cropSeekTime(info.frameTimes, from),
    });
    for await (const pair of pairs) {
      const row = out[pair.frame - first];
      const field = flow.compute(rgbToGray(pair.prev), rgbToGray(pair.crop), cropSize, cropSize);
      const kps = keypointsForCrop(track, pair.frame);
      const mask = kps
        ? skeletonMask(kps, track.skeletonId, pair.box, cropSize)
        : new Uint8Array(cropSize * cropSize);
      let covered = 0;
      for (const v of mask) if (v) covered++;
      // Fresh ArrayBuffer-backed copies: the contract's byte fields are plain Uint8Arrays.
      const png = (image: Parameters<typeof encodePng>[0]) => new Uint8Array(encodePng(image, level));
      row.crop = png({ width: cropSize, height: cropSize, channels: 3, data: pair.crop });
      row.prev = png({ width: cropSize, height: cropSize, channels: 3, data: pair.prev });
      row.flow = png(flowToColor(field, flowScalePx));
      row.mask = png({ width: cropSize, height: cropSize, channels: 1, data: mask });
      row.flowMedian = medianFlow(field);
      row.maskCoverage = covered / mask.length;
    }
  }
  return {
    runId: run.id,
    trackId: track.trackId,
    videoId: video.id,
    cropSize,
    flowScalePx,
    span,
    frames: out,
  };
}
