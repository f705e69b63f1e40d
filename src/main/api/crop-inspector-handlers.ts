/** Handler of the crop inspector request (src/shared/contract-crop-inspector.ts), spread into handlers.ts. */
import type { RequestInput, RequestOutput } from '../../shared/contract';
import type { cropInspectorRequests } from '../../shared/contract-crop-inspector';
import { inspectTrack } from '../vpd/inspect-track';
import type { Workstation } from '../workstation';

type InspectorName = keyof typeof cropInspectorRequests;

export const cropInspectorHandlers: {
  [K in InspectorName]: (ws: Workstation, input: RequestInput<K>) => Promise<RequestOutput<K>>;
} = {
  'vpd.inspect': (ws, input) => inspectTrack(ws.db, input),
};
