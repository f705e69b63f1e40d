/**
 * Loading a user's model: descriptor → ONNX file → ORT session, then the model's inputs and
 * outputs are checked against the descriptor (names, dtype, static shapes, then the shapes of one
 * probe run on a blank input), so a mismatch is refused before any frame is run.
 */
import * as ort from 'onnxruntime-node';
import { KinemaError } from '../../../shared/errors';
import { createSession, type ModelSession, type SessionOptions } from '../session';
import { readDescriptor, type ResolvedDescriptor } from './descriptor';
import {
  boxToCrop,
  cropResize,
  cropToFrame,
  decodeHeatmaps,
  decodeSimcc,
  toInputData,
  type BoxXYXY,
} from './topdown';

export interface ByoModel {
  descriptor: ResolvedDescriptor;
  session: ModelSession;
  inputName: string;
  /** Output names: [heatmaps] or [simccX, simccY]. */
  outputNames: string[];
  /** Heatmap size (heatmap models), from the probe run. */
  heatmapSize?: { width: number; height: number };
  /** Keypoints (K × 3: x, y in frame pixels, score) of the person in `box`. */
  estimate(frame: Uint8Array, width: number, height: number, box: BoxXYXY): Promise<Float32Array>;
  release(): Promise<void>;
}

function mismatch(d: ResolvedDescriptor, what: string): KinemaError {
  return new KinemaError(
    'MODEL_MISMATCH',
    `Model ${d.id} (${d.file}) does not match its descriptor: ${what}.`,
  );
}

const dims = (shape: readonly (number | string)[]): string => shape.map((s) => String(s)).join('×');

/** Static dims agree where both are numbers (symbolic or unknown dims pass). */
function sameDims(actual: readonly (number | string)[], expected: readonly number[]): boolean {
  return (
    actual.length === expected.length &&
    actual.every((a, i) => typeof a !== 'number' || a < 0 || a === expected[i])
  );
}

function tensorMeta(session: ort.InferenceSession, name: string, inputs: boolean) {
  const list = (inputs ? session.inputMetadata : session.outputMetadata) as
    readonly ort.InferenceSession.ValueMetadata[] | undefined;
  const m = list?.find((x) => x.name === name);
  return m && m.isTensor ? m : undefined;
}

function pickInput(d: ResolvedDescriptor, names: readonly string[]): string {
  if (d.input.name) {
    if (!names.includes(d.input.name))
      throw mismatch(
        d,
        `descriptor names input "${d.input.name}", the model's inputs are ${names.join(', ')}`,
      );
    return d.input.name;
  }
  if (names.length !== 1)
    throw mismatch(d, `the model has ${names.length} inputs (${names.join(', ')}); name one in input.name`);
  return names[0];
}

function pickOutputs(d: ResolvedDescriptor, names: readonly string[]): string[] {
  const check = (name: string, field: string): string => {
    if (!names.includes(name))
      throw mismatch(d, `descriptor names ${field} "${name}", the model's outputs are ${names.join(', ')}`);
    return name;
  };
  if (d.kind === 'heatmap') {
    if (d.output.heatmaps) return [check(d.output.heatmaps, 'output.heatmaps')];
    if (names.length !== 1)
      throw mismatch(
        d,
        `the model has ${names.length} outputs (${names.join(', ')}); name the heatmaps in output.heatmaps`,
      );
    return [names[0]];
  }
  if (d.output.simccX || d.output.simccY) {
    if (!d.output.simccX || !d.output.simccY) throw mismatch(d, 'name both output.simccX and output.simccY');
    return [check(d.output.simccX, 'output.simccX'), check(d.output.simccY, 'output.simccY')];
  }
  if (names.includes('simcc_x') && names.includes('simcc_y')) return ['simcc_x', 'simcc_y'];
  if (names.length === 2) return [names[0], names[1]];
  throw mismatch(
    d,
    `a SimCC model needs two outputs, the model has ${names.length} (${names.join(', ')}); name them in output.simccX/simccY`,
  );
}

function expectedInputShape(d: ResolvedDescriptor): number[] {
  const { width, height, layout } = d.input;
  return layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
}

/** Checks output shapes (static metadata or a probe run's) against the descriptor. */
function checkOutputShapes(
  d: ResolvedDescriptor,
  outputs: string[],
  shapeOf: (name: string) => readonly (number | string)[] | undefined,
): void {
  const k = d.keypointCount;
  if (d.kind === 'heatmap') {
    const s = shapeOf(outputs[0]);
    if (!s || s.length === 0) return;
    if (s.length !== 4) throw mismatch(d, `heatmaps "${outputs[0]}" are ${dims(s)}, expected [1, K, h, w]`);
    if (typeof s[1] === 'number' && s[1] >= 0 && s[1] !== k)
      throw mismatch(d, `descriptor says ${k} keypoints, model outputs ${s[1]} heatmaps`);
    if (typeof s[0] === 'number' && s[0] > 1)
      throw mismatch(d, `heatmaps "${outputs[0]}" have batch ${s[0]}, expected 1`);
    return;
  }
  const ratio = d.output.splitRatio;
  const want = [Math.round(d.input.width * ratio), Math.round(d.input.height * ratio)];
  outputs.forEach((name, i) => {
    const s = shapeOf(name);
    if (!s || s.length === 0) return;
    const axis = i === 0 ? 'x' : 'y';
    if (s.length !== 3) throw mismatch(d, `simcc_${axis} "${name}" is ${dims(s)}, expected [1, K, L]`);
    if (typeof s[1] === 'number' && s[1] >= 0 && s[1] !== k)
      throw mismatch(d, `descriptor says ${k} keypoints, model's simcc_${axis} "${name}" has ${s[1]}`);
    if (typeof s[2] === 'number' && s[2] >= 0 && s[2] !== want[i]) {
      const side = i === 0 ? `width ${d.input.width}` : `height ${d.input.height}`;
      throw mismatch(
        d,
        `descriptor says simcc_${axis} of length ${want[i]} (${side} × splitRatio ${ratio}), model's "${name}" has ${s[2]}`,
      );
    }
  });
}

/**
 * Opens a user model from its descriptor. Throws KinemaError: BAD_MODEL_DESCRIPTOR (JSON, schema),
 * MODEL_MISSING / BAD_MODEL (file absent, not ONNX), MODEL_MISMATCH (descriptor vs. model).
 */
export async function loadByoModel(descriptorPath: string, options: SessionOptions = {}): Promise<ByoModel> {
  const d = readDescriptor(descriptorPath);
  const ms = await createSession(d.modelPath, options);
  try {
    const s = ms.session;
    const inputName = pickInput(d, s.inputNames);
    const outputNames = pickOutputs(d, s.outputNames);

    const inMeta = tensorMeta(s, inputName, true);
    const inShape = expectedInputShape(d);
    if (inMeta) {
      if (inMeta.type !== d.input.dtype)
        throw mismatch(
          d,
          `descriptor says input dtype ${d.input.dtype}, model input "${inputName}" is ${inMeta.type}`,
        );
      if (inMeta.shape.length > 0 && !sameDims(inMeta.shape, inShape))
        throw mismatch(
          d,
          `descriptor says input ${dims(inShape)} (${d.input.layout}), model input "${inputName}" is ${dims(inMeta.shape)}`,
        );
    }
    checkOutputShapes(d, outputNames, (name) => tensorMeta(s, name, false)?.shape);

    // Probe run on a blank input: catches what symbolic dims hid, and learns the heatmap size.
    const blank = toInputData(new Float32Array(d.input.width * d.input.height * 3), d.input);
    let probe: ort.InferenceSession.OnnxValueMapType;
    try {
      probe = await ms.run({ [inputName]: new ort.Tensor(d.input.dtype, blank, inShape) });
    } catch (err) {
      throw mismatch(d, `a probe run with input ${dims(inShape)} failed: ${(err as Error).message}`);
    }
    checkOutputShapes(d, outputNames, (name) => probe[name]?.dims);
    for (const name of outputNames)
      if (probe[name].type !== 'float32')
        throw mismatch(d, `output "${name}" is ${probe[name].type}, Kinema reads float32 outputs`);
    const hm = d.kind === 'heatmap' ? probe[outputNames[0]].dims : undefined;
    const heatmapSize = hm ? { width: hm[3], height: hm[2] } : undefined;

    const estimate = async (frame: Uint8Array, width: number, height: number, box: BoxXYXY) => {
      const { width: W, height: H } = d.input;
      const crop = boxToCrop(box, W, H, d.input.padding);
      const data = toInputData(cropResize(frame, width, height, crop, W, H), d.input);
      const out = await ms.run({ [inputName]: new ort.Tensor(d.input.dtype, data, inShape) });
      const k = d.keypointCount;
      if (heatmapSize) {
        const kp = decodeHeatmaps(
          out[outputNames[0]].data as Float32Array,
          k,
          heatmapSize.height,
          heatmapSize.width,
        );
        return cropToFrame(kp, crop, W, H, W / heatmapSize.width, H / heatmapSize.height);
      }
      const kp = decodeSimcc(
        out[outputNames[0]].data as Float32Array,
        out[outputNames[1]].data as Float32Array,
        k,
        d.output.splitRatio,
        d.output.simccScore,
      );
      return cropToFrame(kp, crop, W, H);
    };
    return {
      descriptor: d,
      session: ms,
      inputName,
      outputNames,
      heatmapSize,
      estimate,
      release: () => ms.release(),
    };
  } catch (err) {
    await ms.release();
    throw err;
  }
}
