/**
 * Applying a trained student (its ONNX, export-onnx.ts) to a video's frames with onnxruntime-node:
 * per-frame embeddings laid out as the teacher's series are (kind 'embedding': one row per video
 * frame from the first crop to the last, NaN rows where the athlete has no crop).
 */
import * as ort from 'onnxruntime-node';
import { KinemaError } from '../../../shared/errors';
import { frameBytes, studentInput, type StudentFrames, type StudentInputSpec } from './data';
import {
  readOnnxMetadata,
  STUDENT_INPUT,
  STUDENT_OUTPUT,
  studentInfoFromMetadata,
  type StudentModelInfo,
} from './export-onnx';

export type StudentInfo = StudentModelInfo & { imageSize: number; channels: number; embeddingDim: number };

export class StudentEmbedder {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: StudentInfo,
  ) {}

  /** Opens a student from its ONNX bytes; refuses a model that is not one. */
  static async load(onnx: Uint8Array, threads = 1, what = 'The model'): Promise<StudentEmbedder> {
    let info: StudentInfo;
    try {
      info = studentInfoFromMetadata(readOnnxMetadata(onnx), what);
    } catch (err) {
      throw new KinemaError('BAD_MODEL', (err as Error).message);
    }
    const session = await ort.InferenceSession.create(onnx, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
    return new StudentEmbedder(session, info);
  }

  /** The crop settings the model was trained with (what collectStudentFrames must cut). */
  get spec(): StudentInputSpec {
    return { cropSize: this.info.imageSize, appearance: this.info.appearance, mask: this.info.mask };
  }

  /** Embeddings of every record of `frames`: [count × E]. */
  async embedFrames(frames: StudentFrames, batch = 64): Promise<Float32Array> {
    const spec = this.spec;
    if (JSON.stringify(frames.spec) !== JSON.stringify(spec))
      throw new KinemaError(
        'BAD_INPUT',
        `The crops were cut as ${JSON.stringify(frames.spec)}, the student takes ${JSON.stringify(spec)}.`,
      );
    const per = frameBytes(spec);
    const count = frames.frames.length;
    const E = this.info.embeddingDim;
    const S = spec.cropSize;
    const out = new Float32Array(count * E);
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i);
      const input = new Float32Array(n * per);
      for (let k = 0; k < n; k++) studentInput(spec, frames.data, i + k, input, k * per);
      const r = await this.session.run({
        [STUDENT_INPUT]: new ort.Tensor('float32', input, [n, S, S, this.info.channels]),
      });
      out.set(r[STUDENT_OUTPUT].data as Float32Array, i * E);
    }
    return out;
  }

  /** embedFrames as a series: rows from the first record's frame to the last, NaN rows between. */
  async embedSeries(
    frames: StudentFrames,
  ): Promise<{ firstFrame: number; values: Float32Array; dim: number }> {
    const E = this.info.embeddingDim;
    const rows = await this.embedFrames(frames);
    const first = frames.frames[0];
    const last = frames.frames[frames.frames.length - 1];
    const values = new Float32Array((last - first + 1) * E).fill(NaN);
    for (let i = 0; i < frames.frames.length; i++)
      values.set(rows.subarray(i * E, (i + 1) * E), (frames.frames[i] - first) * E);
    return { firstFrame: first, values, dim: E };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
