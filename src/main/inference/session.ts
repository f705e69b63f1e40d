/**
 * An onnxruntime-node inference session with Kinema's defaults: a bounded thread count (the
 * decoder needs CPU too), CUDA first only when asked (KINEMA_CUDA=1 and a CUDA build of ORT), and
 * errors that say what is wrong with the model file.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { KinemaError } from '../../shared/contract';

export interface SessionOptions {
  /** Threads ORT uses inside one operator (default 2). */
  threads?: number;
  /** Try CUDA first (default: when KINEMA_CUDA=1). */
  cuda?: boolean;
}

export interface ModelSession {
  session: ort.InferenceSession;
  /** Execution providers asked for, in order. */
  providers: string[];
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType>;
  release(): Promise<void>;
}

/** An ONNX file is a protobuf ModelProto: field 1 (ir_version, varint) comes first in practice. */
function looksLikeOnnx(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x08 && head[1] > 0 && head[1] < 0x80;
  } finally {
    closeSync(fd);
  }
}

export async function createSession(path: string, options: SessionOptions = {}): Promise<ModelSession> {
  if (!existsSync(path)) throw new KinemaError('MODEL_MISSING', `Model file not found: ${path}`);
  if (!looksLikeOnnx(path)) throw new KinemaError('BAD_MODEL', `${basename(path)} is not an ONNX model.`);
  const cuda = options.cuda ?? process.env.KINEMA_CUDA === '1';
  const providers = cuda ? ['cuda', 'cpu'] : ['cpu'];
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: options.threads ?? 2,
      interOpNumThreads: 1,
      executionProviders: providers,
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    const message = (err as Error).message;
    if (cuda && /cuda/i.test(message)) return createSession(path, { ...options, cuda: false });
    if (/protobuf|parse|load model/i.test(message))
      throw new KinemaError('BAD_MODEL', `${basename(path)} is not an ONNX model (${message}).`);
    throw new KinemaError('BAD_MODEL', `Cannot load ${basename(path)}: ${message}`);
  }
  return {
    session,
    providers,
    run: (feeds) => session.run(feeds),
    release: () => session.release(),
  };
}
