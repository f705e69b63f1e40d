/** Reads a BVH file from disk and imports it (src/shared/mocap); errors name the file. */
import { basename, extname } from 'node:path';
import { importBvh, type BvhImport, type BvhImportOptions } from '../../../shared/mocap';
import { formatError, readBytes } from '../io';

export function readBvhFile(path: string, options: BvhImportOptions = {}): BvhImport {
  const bytes = readBytes(path);
  const text = new TextDecoder('utf-8').decode(bytes);
  try {
    return importBvh(text, { take: basename(path, extname(path)), ...options });
  } catch (err) {
    throw formatError(path, (err as Error).message);
  }
}
