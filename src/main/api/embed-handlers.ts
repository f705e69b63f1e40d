/** Handlers of the pose-embedding requests (src/shared/contract-embed.ts), spread into handlers.ts. */
import type { RequestInput, RequestOutput } from '../../shared/contract';
import type { embedRequests } from '../../shared/contract-embed';
import { listEmbedders, listEmbeddingSeries, prepareEmbed } from '../analysis/embeddings';
import type { Workstation } from '../workstation';

type EmbedName = keyof typeof embedRequests;

export const embedHandlers: {
  [K in EmbedName]: (ws: Workstation, input: RequestInput<K>) => Promise<RequestOutput<K>> | RequestOutput<K>;
} = {
  'embed.start': (ws, input) => {
    const { params, title } = prepareEmbed(ws.db, input, ws.cacheDir);
    const job = ws.enqueueJob('embed', title, params);
    return { jobId: job.id, source: params.source, runId: params.runId, trackId: params.track.trackId };
  },
  'embed.list': (ws, input) => ({
    embedders: listEmbedders(ws.db),
    series: input.videoId !== undefined ? listEmbeddingSeries(ws.db, input.videoId) : [],
  }),
};
