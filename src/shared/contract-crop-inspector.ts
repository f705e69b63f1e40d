/**
 * The crop inspector strip's request (issue 8): a tracked athlete's crop, the previous frame at
 * the same box, the optical flow between them and the person mask, computed on demand for a frame
 * (and a few neighbours) straight from the video and the stored track — no crop directory has to
 * be written first. Spread into `requests` in contract.ts.
 */
import { z } from 'zod';

const id = z.number().int().positive();
const frameIndex = z.number().int().min(0);

/** Why a frame of the strip has images or not. */
export const cropInspectStatusSchema = z.enum([
  /** The track has a pose here: crop, prev, flow and mask. */
  'posed',
  /** No pose here, but the gap is short: the crop box is interpolated (images shown, mask interpolated). */
  'bridged',
  /** No pose here, inside the track's span: a gap longer than the crops bridge. */
  'gap',
  /** Before the track's first or after its last pose. */
  'outside',
]);
export type CropInspectStatus = z.infer<typeof cropInspectStatusSchema>;

export const cropInspectFrameSchema = z.object({
  frame: frameIndex,
  status: cropInspectStatusSchema,
  /** The square crop in source-video pixels (null without images). */
  box: z.object({ x: z.number(), y: z.number(), size: z.number() }).nullable(),
  /** The box reaches past the frame edge there: that part of the crop is padding (black). */
  padded: z.boolean(),
  /** PNG bytes: the crop, the previous frame at the same box, the flow as a colour wheel, the mask. */
  crop: z.instanceof(Uint8Array).nullable(),
  prev: z.instanceof(Uint8Array).nullable(),
  flow: z.instanceof(Uint8Array).nullable(),
  mask: z.instanceof(Uint8Array).nullable(),
  /** Median flow (crop pixels per frame, x and y) and the share of the crop the mask covers. */
  flowMedian: z.tuple([z.number(), z.number()]).nullable(),
  maskCoverage: z.number().nullable(),
});
export type CropInspectFrame = z.infer<typeof cropInspectFrameSchema>;

export const cropInspectorRequests = {
  'vpd.inspect': {
    input: z
      .object({
        runId: id,
        trackId: z.number().int().min(0),
        frame: frameIndex,
        /** Frames either side of `frame` to include as well (default 0). */
        neighbours: z.number().int().min(0).max(4).optional(),
        cropSize: z.number().int().min(32).max(256).optional(),
      })
      .strict(),
    output: z.object({
      runId: id,
      trackId: z.number().int(),
      videoId: id,
      cropSize: z.number().int(),
      /** Speed (crop pixels per frame) drawn at full colour in the flow pictures. */
      flowScalePx: z.number(),
      /** The track's first and last posed frames. */
      span: z.tuple([frameIndex, frameIndex]),
      frames: z.array(cropInspectFrameSchema),
    }),
  },
} as const;
