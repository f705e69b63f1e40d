/** Handlers of the action requests (src/shared/contract-actions.ts), spread into handlers.ts. */
import type { RequestInput, RequestOutput } from '../../shared/contract';
import type { actionRequests } from '../../shared/contract-actions';
import { detectActions, recognizeActions, retrieveSimilar } from '../analysis/actions';
import type { Workstation } from '../workstation';

type ActionName = keyof typeof actionRequests;

export const actionHandlers: {
  [K in ActionName]: (ws: Workstation, input: RequestInput<K>) => RequestOutput<K>;
} = {
  'actions.recognize': (ws, input) => recognizeActions(ws.db, input),
  'actions.retrieve': (ws, input) => retrieveSimilar(ws.db, input),
  'actions.detect': (ws, input) => detectActions(ws.db, input),
};
