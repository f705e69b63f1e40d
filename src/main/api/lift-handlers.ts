/** Handlers of the 3D lifting requests (src/shared/contract-lift.ts), spread into handlers.ts. */
import type { RequestInput, RequestOutput } from '../../shared/contract';
import type { liftRequests } from '../../shared/contract-lift';
import { H36M17_JOINTS, H36M17_PARENTS } from '../../shared/skeletons/h36m17';
import {
  bytesOf,
  exportLift,
  lifterChoices,
  listLiftSeries,
  loadLift,
  prepareLift,
  prepareRender3d,
} from '../analysis/lift';
import type { Workstation } from '../workstation';

type LiftName = keyof typeof liftRequests;

export const liftHandlers: {
  [K in LiftName]: (ws: Workstation, input: RequestInput<K>) => Promise<RequestOutput<K>> | RequestOutput<K>;
} = {
  'lift.start': (ws, input) => {
    const { params, title } = prepareLift(ws.db, input, ws.cacheDir);
    const job = ws.enqueueJob('lift', title, params);
    return { jobId: job.id, lifter: params.lifter.name, trackId: params.track.trackId };
  },
  'lift.lifters': (ws) => lifterChoices(ws.db),
  'lift.list': (ws, { videoId }) => listLiftSeries(ws.db, videoId),
  'lift.get': (ws, { seriesId }) => {
    const lift = loadLift(ws.db, seriesId);
    return {
      series: lift.series,
      joints: [...H36M17_JOINTS],
      parents: [...H36M17_PARENTS],
      values: bytesOf(lift.joints),
      root: lift.root ? bytesOf(lift.root) : null,
    };
  },
  'lift.export': (ws, input) => exportLift(ws.db, input),
  'lift.render': (ws, input) => {
    const { params, title } = prepareRender3d(ws.db, input);
    const job = ws.enqueueJob('render-3d', title, params);
    return { jobId: job.id, outPath: params.outPath, frames: params.end - params.start + 1 };
  },
};
