/**
 * "Bring your own model": the JSON descriptor that tells Kinema how to run a user's top-down 2D
 * pose model (SimpleBaseline/HRNet heatmaps or RTMPose SimCC) exported to ONNX.
 *
 * Conventions the descriptor relies on:
 * - Pixel values are 0–255 before normalisation, `(v - mean[c]) / std[c]`, as in mmpose's data
 *   preprocessor (ImageNet: mean [123.675, 116.28, 103.53], std [58.395, 57.12, 57.375]).
 * - `mean`/`std` are listed in the model's channel order: for a BGR model, index 0 is blue.
 * - A uint8 input is fed raw (the model normalises inside), so mean/std must be absent or identity.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { KinemaError } from '../../../shared/errors';
import { getSkeleton, isSkeletonId, skeletons } from '../../../shared/skeletons';

const triple = z.tuple([z.number(), z.number(), z.number()], {
  error: 'expected an array of 3 numbers (one per channel)',
});

const inputSchema = z
  .object({
    /** Input tensor name; may be left out when the model has a single input. */
    name: z.string().min(1).optional(),
    width: z.number().int().min(8).max(4096),
    height: z.number().int().min(8).max(4096),
    layout: z.enum(['NCHW', 'NHWC']),
    dtype: z.enum(['float32', 'uint8']),
    mean: triple.optional(),
    std: triple.optional(),
    channelOrder: z.enum(['RGB', 'BGR']),
    /** Box enlargement before cropping (mmpose's default for top-down models). */
    padding: z.number().min(1).max(4).default(1.25),
  })
  .strict();

const outputSchema = z
  .object({
    /** Heatmap output [1, K, h, w]; may be left out when the model has a single output. */
    heatmaps: z.string().min(1).optional(),
    /** SimCC outputs [1, K, W·ratio] and [1, K, H·ratio]; default: "simcc_x"/"simcc_y", else the two outputs in order. */
    simccX: z.string().min(1).optional(),
    simccY: z.string().min(1).optional(),
    splitRatio: z.number().positive().max(16).default(2),
    /**
     * SimCC keypoint score from the two maxima: 'min' (default; mmpose's get_simcc_maximum and
     * rtmlib take the smaller one) or 'mean' (their average).
     */
    simccScore: z.enum(['min', 'mean']).default('min'),
  })
  .strict()
  .default({ splitRatio: 2, simccScore: 'min' });

export const byoDescriptorSchema = z
  .object({
    id: z
      .string()
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only'),
    name: z.string().min(1).max(200),
    /** The .onnx file, relative to the descriptor (or absolute). */
    file: z.string().min(1),
    kind: z.enum(['heatmap', 'simcc']),
    input: inputSchema,
    output: outputSchema,
    skeletonId: z
      .string()
      .default('coco17')
      .refine(isSkeletonId, { error: `unknown skeleton; known: ${Object.keys(skeletons).join(', ')}` }),
    keypointCount: z.number().int().min(1).max(1000),
  })
  .strict()
  .superRefine((d, ctx) => {
    // Object-level checks run even when a field failed, so each guards its own inputs.
    const k = isSkeletonId(d.skeletonId) ? getSkeleton(d.skeletonId).joints.length : d.keypointCount;
    if (k !== d.keypointCount)
      ctx.addIssue({
        code: 'custom',
        path: ['keypointCount'],
        message: `skeleton ${d.skeletonId} has ${k} keypoints, descriptor says ${d.keypointCount}`,
      });
    const { mean, std } = d.input;
    if (d.input.dtype === 'float32' && (!mean || !std))
      ctx.addIssue({
        code: 'custom',
        path: ['input'],
        message: 'a float32 input needs mean and std (0–255 scale, in the model’s channel order)',
      });
    if (d.input.dtype === 'uint8') {
      const identity = (mean ?? [0, 0, 0]).every((m) => m === 0) && (std ?? [1, 1, 1]).every((s) => s === 1);
      if (!identity)
        ctx.addIssue({
          code: 'custom',
          path: ['input'],
          message: 'a uint8 input is fed raw 0–255 pixels: leave mean/std out (the model normalises itself)',
        });
    }
    if (std?.some((s) => s <= 0))
      ctx.addIssue({ code: 'custom', path: ['input', 'std'], message: 'std values must be > 0' });
    if (d.kind === 'heatmap' && (d.output.simccX || d.output.simccY))
      ctx.addIssue({
        code: 'custom',
        path: ['output'],
        message: 'a heatmap model has no simccX/simccY outputs (did you mean kind "simcc"?)',
      });
    if (d.kind === 'simcc' && d.output.heatmaps)
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'heatmaps'],
        message: 'a SimCC model has no heatmaps output (did you mean kind "heatmap"?)',
      });
  });

export type ByoDescriptor = z.infer<typeof byoDescriptorSchema>;
export type ByoInputSpec = ByoDescriptor['input'];

/** A validated descriptor with the model file resolved to an absolute path. */
export interface ResolvedDescriptor extends ByoDescriptor {
  descriptorPath: string;
  modelPath: string;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(descriptor)'}: ${i.message}`)
    .join('; ');
}

/** Validates a parsed descriptor (`descriptorPath` names it in errors and anchors `file`). */
export function parseDescriptor(value: unknown, descriptorPath: string): ResolvedDescriptor {
  const parsed = byoDescriptorSchema.safeParse(value);
  if (!parsed.success)
    throw new KinemaError(
      'BAD_MODEL_DESCRIPTOR',
      `Model descriptor ${descriptorPath} is invalid: ${describeIssues(parsed.error)}.`,
    );
  const abs = resolve(descriptorPath);
  return { ...parsed.data, descriptorPath: abs, modelPath: resolve(dirname(abs), parsed.data.file) };
}

/** Reads and validates a descriptor file. */
export function readDescriptor(descriptorPath: string): ResolvedDescriptor {
  let text: string;
  try {
    text = readFileSync(descriptorPath, 'utf8');
  } catch (err) {
    throw new KinemaError(
      'BAD_MODEL_DESCRIPTOR',
      `Cannot read model descriptor ${descriptorPath}: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KinemaError(
      'BAD_MODEL_DESCRIPTOR',
      `Model descriptor ${descriptorPath} is not valid JSON: ${(err as Error).message}`,
    );
  }
  return parseDescriptor(json, descriptorPath);
}
