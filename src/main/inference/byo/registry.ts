/**
 * Where user models come from, for the model registry (models.ts):
 * - every `*.json` descriptor in `<models dir>/user/` (the models dir is KINEMA_MODELS_DIR, else
 *   the app's native-models/): files, so every process and worker thread sees the same list;
 * - descriptors added in this process with `registerByoModel(path)` (validated at once).
 *
 * Listing only validates the descriptors (schema, ids, the .onnx file exists); the model itself is
 * checked against its descriptor when `loadByoModel` opens it. A broken descriptor in the folder is
 * left out of the list with a warning rather than hiding every other model.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../../shared/errors';
import { readDescriptor, type ResolvedDescriptor } from './descriptor';

const registered = new Map<string, ResolvedDescriptor>();
const warned = new Set<string>();

/** Registers a descriptor for this process; throws a KinemaError when it or its file is bad. */
export function registerByoModel(descriptorPath: string): ResolvedDescriptor {
  const d = readDescriptor(descriptorPath);
  if (!existsSync(d.modelPath))
    throw new KinemaError('MODEL_MISSING', `Model file not found: ${d.modelPath} (from ${d.descriptorPath})`);
  const other = registered.get(d.id);
  if (other && other.descriptorPath !== d.descriptorPath)
    throw new KinemaError(
      'DUPLICATE_MODEL',
      `Model id "${d.id}" is already registered by ${other.descriptorPath}`,
    );
  registered.set(d.id, d);
  return d;
}

/** Forgets every registered descriptor (tests). */
export function clearRegisteredByoModels(): void {
  registered.clear();
}

export interface ByoScan {
  models: ResolvedDescriptor[];
  /** Descriptors left out, with why. */
  problems: string[];
}

/** The user models folder's descriptors plus the registered ones; `reserved` ids (native models) are refused. */
export function scanByoModels(modelsDir: string, reserved: ReadonlySet<string> = new Set()): ByoScan {
  const problems: string[] = [];
  const found: ResolvedDescriptor[] = [];
  const userDir = join(modelsDir, 'user');
  let files: string[] = [];
  try {
    files = readdirSync(userDir)
      .filter((f) => f.toLowerCase().endsWith('.json'))
      .sort();
  } catch {
    // No user folder: no user models.
  }
  for (const f of files) {
    try {
      const d = readDescriptor(join(userDir, f));
      if (!existsSync(d.modelPath)) throw new Error(`Model file not found: ${d.modelPath}`);
      found.push(d);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  found.push(...registered.values());
  const ids = new Set(reserved);
  const models: ResolvedDescriptor[] = [];
  for (const d of found) {
    if (ids.has(d.id)) {
      problems.push(`Model id "${d.id}" in ${d.descriptorPath} is already taken; descriptor ignored.`);
      continue;
    }
    ids.add(d.id);
    models.push(d);
  }
  for (const p of problems)
    if (!warned.has(p)) {
      warned.add(p);
      console.warn(`[models] ${p}`);
    }
  return { models, problems };
}
