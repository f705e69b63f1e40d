/**
 * Shared plumbing of the format codecs: atomic writes, JSON/gzip reading with messages that name
 * the file, and number formatting that keeps float32 values short and exact.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'fflate';
import { KinemaError } from '../../shared/errors';
import { assertValidPoseSet } from '../../shared/pose';
import type { PoseSet } from '../../shared/pose';

export const FORMAT_ERROR = 'BAD_POSE_FILE';

/** A KinemaError about a file: "<file name>: <what is wrong>". */
export function formatError(file: string, what: string): KinemaError {
  return new KinemaError(FORMAT_ERROR, `${basename(file)}: ${what}`);
}

/** Writes a file through a temporary name in the same folder, then renames it into place. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes several files of one folder so that either all appear or none is changed: everything is
 * first written to temporary names, then renamed. (A crash between renames can leave a mix of old
 * and new files, never a half-written file.)
 */
export function writeFilesAtomic(dir: string, files: Record<string, string | Uint8Array>): void {
  mkdirSync(dir, { recursive: true });
  const tag = randomBytes(4).toString('hex');
  const staged: [string, string][] = [];
  try {
    for (const [name, data] of Object.entries(files)) {
      const tmp = join(dir, `.${name}.${tag}.tmp`);
      writeFileSync(tmp, data);
      staged.push([tmp, join(dir, name)]);
    }
    for (const [tmp, final] of staged) renameSync(tmp, final);
  } catch (err) {
    for (const [tmp] of staged) rmSync(tmp, { force: true });
    throw err;
  }
}

export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw formatError(path, `file not found (${path})`);
    if (code === 'EISDIR') throw formatError(path, `is a folder, expected a file`);
    throw formatError(path, `cannot be read: ${(err as Error).message}`);
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function gunzipFile(path: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw formatError(path, 'is not a gzip file (bad magic number); expected gzip-compressed JSON');
  }
  if (bytes.length < 18) throw formatError(path, 'gzip data is truncated');
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw formatError(path, `gzip data is damaged or truncated (${(err as Error).message})`);
  }
}

export function gzip(text: string): Uint8Array {
  return gzipSync(new TextEncoder().encode(text), { level: 6 });
}

/** Parses JSON text; a syntax error names the file and the position. */
export function parseJson(path: string, bytes: Uint8Array | string): unknown {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8').decode(bytes);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw formatError(path, `is not valid JSON (${(err as Error).message})`);
  }
}

/** Reads a JSON file, gunzipping it when the name ends in .gz. */
export function readJsonFile(path: string): unknown {
  const bytes = readBytes(path);
  return parseJson(path, path.endsWith('.gz') ? gunzipFile(path, bytes) : bytes);
}

/** The shortest decimal that reads back as the same float32 (e.g. 0.1, not 0.10000000149011612). */
export function f32(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  const target = Math.fround(value);
  for (let p = 1; p <= 9; p++) {
    const v = Number(value.toPrecision(p));
    if (Math.fround(v) === target) return v;
  }
  return value;
}

export function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Checks `v` is an array of `n` finite numbers (any n when undefined); returns an error text or null. */
export function numberArrayProblem(v: unknown, n?: number): string | null {
  if (!Array.isArray(v)) return `expected a list of numbers, got ${describe(v)}`;
  if (n !== undefined && v.length !== n) return `expected ${n} numbers, got ${v.length}`;
  const bad = v.findIndex((x) => !isNumber(x));
  if (bad >= 0) return `item ${bad} is ${describe(v[bad])}, expected a number`;
  return null;
}

/** A short description of a JSON value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Validates a set a reader built, naming the file. */
export function checkRead(path: string, set: PoseSet): PoseSet {
  assertValidPoseSet(set, basename(path));
  return set;
}

/** Validates a set before writing, naming the target. */
export function checkWrite(path: string, set: PoseSet): void {
  assertValidPoseSet(set, `Cannot write ${basename(path)}`);
}

/** The first number in a file name's stem: "frame_000123.jpg" → 123, "45" → 45, else null. */
export function frameFromName(name: string | number): number | null {
  if (typeof name === 'number') return Number.isInteger(name) && name >= 0 ? name : null;
  const stem = basename(name).replace(/\.[^.]*$/, '');
  const m = /(\d+)(?!.*\d)/.exec(stem);
  return m ? Number(m[1]) : null;
}
