/** Handlers of the pose-editing requests (src/shared/contract-edits.ts), spread into handlers.ts. */
import type { RequestInput, RequestOutput } from '../../shared/contract';
import type { editRequests } from '../../shared/contract-edits';
import type { Workstation } from '../workstation';

type EditName = keyof typeof editRequests;

export const editHandlers: {
  [K in EditName]: (ws: Workstation, input: RequestInput<K>) => Promise<RequestOutput<K>> | RequestOutput<K>;
} = {};
