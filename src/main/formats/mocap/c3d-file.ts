/** Reads a C3D file from disk into a marker take (src/shared/mocap); errors name the file. */
import { basename, extname } from 'node:path';
import { c3dToTake, readC3d, type C3dFile, type MocapMarkerTake } from '../../../shared/mocap';
import { formatError, readBytes } from '../io';

export function readC3dFile(
  path: string,
  options: { metresPerUnit?: number; subject?: string | null } = {},
): { take: MocapMarkerTake; c3d: C3dFile } {
  const bytes = readBytes(path);
  try {
    const c3d = readC3d(bytes);
    return { c3d, take: c3dToTake(c3d, { take: basename(path, extname(path)), ...options }) };
  } catch (err) {
    throw formatError(path, (err as Error).message);
  }
}
