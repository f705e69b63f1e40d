/**
 * The file mechanics both checkpoint formats share (the lifter's checkpoint.ts and the named-tensor
 * store of TCC, VIPE* and the student: tensor-checkpoint.ts): float32 tensors packed into one data file
 * listed by name/shape/offset, an FNV-1a checksum, and the crash-safe write order — data file
 * first, then the JSON through a temporary file and a rename, older data files deleted last — so
 * a kill leaves either the previous checkpoint or the new one. Errors go through the caller's
 * `fail`, which says whose checkpoint it is.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedTensor } from './lifter-model';

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

/** Makes the caller's error for a detail ("tensor w lies outside the data"). */
export type Fail = (detail: string) => Error;

export function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function packTensors(tensors: readonly NamedTensor[]): { entries: TensorEntry[]; data: Float32Array } {
  const data = new Float32Array(tensors.reduce((a, t) => a + t.data.length, 0));
  const entries: TensorEntry[] = [];
  let off = 0;
  for (const t of tensors) {
    data.set(t.data, off);
    entries.push({ name: t.name, shape: [...t.shape], offset: off });
    off += t.data.length;
  }
  return { entries, data };
}

/** The tensors an entry list names in `data`; malformed entries are refused through `fail`. */
export function unpackTensors(entries: unknown, data: Float32Array, fail: Fail): NamedTensor[] {
  if (!Array.isArray(entries)) throw fail('the tensor list is missing');
  return entries.map((raw: unknown, i) => {
    const e = raw as Partial<TensorEntry>;
    if (typeof e?.name !== 'string' || !Array.isArray(e.shape) || typeof e.offset !== 'number')
      throw fail(`tensor entry ${i} is malformed`);
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw fail(`tensor ${e.name} has a bad shape`);
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset + size > data.length)
      throw fail(`tensor ${e.name} lies outside the data (${data.length} values)`);
    return { name: e.name, shape: e.shape, data: data.slice(e.offset, e.offset + size) };
  });
}

/** Float32 values of little-endian bytes (copied, so the result owns an aligned buffer). */
export function floatsOf(bytes: Uint8Array, fail: Fail): Float32Array {
  if (bytes.byteLength % 4 !== 0)
    throw fail(`the data is ${bytes.byteLength} bytes, not whole float32 values`);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/**
 * The checkpoint JSON `name` in `dir`, parsed and checked to be `format` at `version`; a missing
 * or unreadable file, another format or version is refused through `fail`.
 */
export function readCheckpointJson(
  dir: string,
  name: string,
  kind: { format: string; version: number },
  fail: Fail,
): Record<string, unknown> {
  const path = join(dir, name);
  if (!existsSync(path)) throw fail(`there is no ${name}`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw fail(`${name} is not valid JSON (${(err as Error).message})`);
  }
  if (json.format !== kind.format) throw fail(`${name} is not a ${kind.format} file`);
  if (json.version !== kind.version)
    throw fail(
      `version ${String(json.version)} is not supported (this Kinema reads version ${kind.version})`,
    );
  return json;
}

/** Writes `data` as `dataFile`, then `json` + the data file's name, size and checksum as `jsonName`. */
export function writeCheckpointFiles(
  dir: string,
  files: { json: string; data: string; dataPattern: RegExp },
  data: Float32Array,
  json: Record<string, unknown>,
): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(join(dir, `${files.data}.tmp`), bytes);
  renameSync(join(dir, `${files.data}.tmp`), join(dir, files.data));
  const full = { ...json, file: files.data, bytes: bytes.byteLength, checksum: fnv1a(bytes) };
  writeFileSync(join(dir, `${files.json}.tmp`), JSON.stringify(full, null, 1));
  renameSync(join(dir, `${files.json}.tmp`), join(dir, files.json));
  for (const f of readdirSync(dir))
    if (files.dataPattern.test(f) && f !== files.data) rmSync(join(dir, f), { force: true });
}

/**
 * The data file a checkpoint JSON names, checked against its recorded size and checksum (a
 * truncated or corrupted file is refused through `fail`), as float32 values.
 */
export function readCheckpointData(
  dir: string,
  json: { file?: unknown; bytes?: unknown; checksum?: unknown },
  dataPattern: RegExp,
  fail: Fail,
): Float32Array {
  const file = json.file;
  if (typeof file !== 'string' || !dataPattern.test(file)) throw fail('the data file name is missing');
  const path = join(dir, file);
  if (!existsSync(path)) throw fail(`its data file ${file} is missing`);
  const bytes = readFileSync(path);
  if (bytes.byteLength !== json.bytes)
    throw fail(
      `${file} is ${bytes.byteLength} bytes, the checkpoint says ${String(json.bytes)} (truncated?)`,
    );
  if (fnv1a(bytes) !== json.checksum) throw fail(`${file} does not match its checksum (corrupted)`);
  return floatsOf(bytes, fail);
}
