/**
 * Numbered migrations. Each file is frozen once released and has its own test
 * (tests/unit/migrations.test.ts migrates to N-1, inserts data, migrates to N, checks it).
 * Later features (pose tracks, models, embeddings) add their tables as new migrations here.
 */
import { migration0001 } from './0001-initial';
import { migration0002 } from './0002-media-index';
import { migration0003 } from './0003-pose-tracks';
import { migration0004 } from './0004-pose-edits';
import { migration0005 } from './0005-series-and-models';
import { migration0006 } from './0006-model-weights';

export interface Migration {
  version: number;
  name: string;
  /** SQL run inside one transaction together with the user_version bump. */
  up: string;
}

export const migrations: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
];

export const latestSchemaVersion = migrations[migrations.length - 1].version;
