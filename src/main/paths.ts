/** Where the built pieces sit relative to the bundled main-process entry (out/main). */
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import packageJson from '../../package.json';

// This module may be bundled into out/main or into a shared chunk under out/main/chunks.
const moduleDir = dirname(fileURLToPath(import.meta.url));
const here = basename(moduleDir) === 'chunks' ? dirname(moduleDir) : moduleDir;

export const appVersion: string = packageJson.version;

/** The app's root folder: two levels up from both out/main (built) and src/main (source). */
const appRoot = join(here, '..', '..');

export const builtPaths = {
  jobWorker: join(here, 'jobWorker.js'),
  tsneWorker: join(here, 'tsneWorker.js'),
  rendererDir: join(here, '..', 'renderer'),
  preload: join(here, '..', 'preload', 'index.cjs'),
};

/** ONNX models the app ships, with their manifest (KINEMA_MODELS_DIR overrides, for tests). */
export function nativeModelsDir(): string {
  return process.env.KINEMA_MODELS_DIR || join(appRoot, 'native-models');
}
