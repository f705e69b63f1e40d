/** Handlers of the TCC requests (src/shared/contract-tcc.ts), spread into handlers.ts. */
import type { RequestInput, RequestOutput } from '../../shared/contract';
import type { tccRequests } from '../../shared/contract-tcc';
import { prepareTccTraining, tccMap, tccSequences } from '../analysis/tcc';
import * as seriesDb from '../db/series';
import type { Workstation } from '../workstation';

type TccName = keyof typeof tccRequests;

/** Tells the renderer a video's series changed after embeddings were computed and stored. */
export function seriesStored(ws: Workstation): (videoId: number) => void {
  return (videoId) => ws.notify('series.changed', { videoId });
}

/** Both sides' embeddings when an alignment request names a trained encoder (`tcc:<name>`). */
export function alignSequences(
  ws: Workstation,
  input: Pick<RequestInput<'align.compute'>, 'learner' | 'reference' | 'features'>,
) {
  return tccSequences(ws.db, input, seriesStored(ws));
}

export const tccHandlers: {
  [K in TccName]: (ws: Workstation, input: RequestInput<K>) => Promise<RequestOutput<K>> | RequestOutput<K>;
} = {
  'tcc.train': (ws, input) => {
    const { params, title } = prepareTccTraining(ws.db, input);
    const job = ws.enqueueJob('train-tcc', title, params);
    return {
      jobId: job.id,
      name: params.name,
      clipIds: params.clips.map((c) => c.clipId),
      shortestClip: Math.min(...params.clips.map((c) => c.frames[c.frames.length - 1] - c.frames[0] + 1)),
    };
  },
  'tcc.models': (ws) => seriesDb.listTrainedModels(ws.db, 'tcc'),
  'tcc.deleteModel': (ws, { modelId }) => {
    const videos = seriesDb
      .listSeries(ws.db, { modelId })
      .map(
        (s) =>
          ws.db.prepare('SELECT video_id FROM pose_runs WHERE id = ?').get(s.runId) as
            { video_id: number } | undefined,
      );
    const deleted = seriesDb.deleteTrainedModel(ws.db, modelId);
    if (deleted) {
      ws.notify('models.changed', {});
      for (const id of new Set(videos.map((v) => v?.video_id)))
        if (id !== undefined) ws.notify('series.changed', { videoId: id });
    }
    return { deleted };
  },
  'tcc.map': (ws, input) => tccMap(ws.db, input, seriesStored(ws)),
};
