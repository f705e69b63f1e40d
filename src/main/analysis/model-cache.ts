/**
 * A project model's bytes (ONNX, or a lifter's training weights) as a file in the cache folder,
 * for job workers, which never open the database. The name carries the model's id and creation
 * time, so a model retrained under the same name gets a new file; it is written once, through a
 * temporary file and a rename, so a crash never leaves a truncated file that would be reused.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TrainedModelInfo } from '../../shared/series';

type ModelKey = Pick<TrainedModelInfo, 'id' | 'family' | 'createdAt'>;

export function cachedModelPath(cacheDir: string, model: ModelKey, ext: 'onnx' | 'klw' = 'onnx'): string {
  const name = `${model.family}-${model.id}-${model.createdAt.replace(/\W/g, '')}.${ext}`;
  return join(cacheDir, `${model.family}-models`, name);
}

/** Writes `bytes` to `path` unless it is there already. */
export function writeCachedFile(path: string, bytes: Uint8Array): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

export function cachedModelFile(
  cacheDir: string,
  model: ModelKey,
  bytes: Uint8Array,
  ext: 'onnx' | 'klw' = 'onnx',
): string {
  const path = cachedModelPath(cacheDir, model, ext);
  writeCachedFile(path, bytes);
  return path;
}
