/**
 * The pose-editing part of the contract (issue 4, the track correction editor): request name →
 * zod schema of the payload and of the result, spread into `requests` in contract.ts. Kept in its
 * own file because the editor's requests are many and change together.
 */
import { z } from 'zod';

void z;

export const editRequests = {} as const;
