/** Handlers of the pose-editing requests (src/shared/contract-edits.ts), spread into handlers.ts. */
import type { EventName, EventPayload, RequestInput, RequestOutput } from '../../shared/contract';
import type { editRequests } from '../../shared/contract-edits';
import type { AnyEditSpec } from '../../shared/editing';
import { assistEdit } from '../editing/assist';
import {
  applyEdit,
  editActions,
  editHistory,
  exportEditedPoses,
  openEditRun,
  previewEdit,
  redoEdit,
  runProblems,
  trackProvenance,
  undoEdit,
} from '../editing/service';
import type { Workstation } from '../workstation';

type EditName = keyof typeof editRequests;

function notify<E extends EventName>(ws: Workstation, event: E, payload: EventPayload<E>): void {
  ws.notify(event, payload);
}

/** Notifies the renderer that a run's poses changed when an edit did change something. */
function changed<T extends { videoId: number; entry: unknown }>(ws: Workstation, outcome: T): T {
  if (outcome.entry) notify(ws, 'poses.changed', { videoId: outcome.videoId });
  return outcome;
}

export const editHandlers: {
  [K in EditName]: (ws: Workstation, input: RequestInput<K>) => Promise<RequestOutput<K>> | RequestOutput<K>;
} = {
  'edits.actions': () => editActions(),
  'edits.open': (ws, { runId, fresh }) => {
    const opened = openEditRun(ws.db, runId, { fresh });
    if (opened.created) notify(ws, 'poses.changed', { videoId: opened.run.videoId });
    return opened;
  },
  // The payload was validated (and its defaults filled in) by handleRequest.
  'edits.apply': (ws, { runId, edit }) => changed(ws, applyEdit(ws.db, runId, edit as AnyEditSpec)),
  'edits.preview': (ws, { runId, edit }) => previewEdit(ws.db, runId, edit as AnyEditSpec),
  'edits.undo': (ws, { runId }) => changed(ws, undoEdit(ws.db, runId)),
  'edits.redo': (ws, { runId }) => changed(ws, redoEdit(ws.db, runId)),
  'edits.history': (ws, { runId }) => editHistory(ws.db, runId),
  'edits.problems': (ws, { runId, trackId, minScore, jumpFactor, kinds }) =>
    runProblems(ws.db, runId, trackId, { minScore, jumpFactor, kinds }),
  'edits.provenance': (ws, { runId, trackId, inFrame, outFrame }) =>
    trackProvenance(ws.db, runId, trackId, inFrame, outFrame),
  'edits.assist': async (ws, input) => changed(ws, await assistEdit(ws.db, input)),
  'edits.exportPoses': (ws, { runId, format, corrections, outPath }) => ({
    path: exportEditedPoses(ws.db, runId, { format, corrections, outPath }),
  }),
};
