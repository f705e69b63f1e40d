/** Handlers of the lifter training requests (src/shared/contract-lifter-training.ts), spread into handlers.ts. */
import type { RequestInput, RequestOutput } from '../../shared/contract';
import type { lifterTrainingRequests } from '../../shared/contract-lifter-training';
import { prepareLifterTraining } from '../analysis/lifter-training';
import * as seriesDb from '../db/series';
import type { Workstation } from '../workstation';

type LifterTrainingName = keyof typeof lifterTrainingRequests;

export const lifterTrainingHandlers: {
  [K in LifterTrainingName]: (
    ws: Workstation,
    input: RequestInput<K>,
  ) => Promise<RequestOutput<K>> | RequestOutput<K>;
} = {
  'lifterTraining.start': (ws, input) => {
    const { params, title, trainFrames, validationFrames, unlabeledFrames, unlabeledSegments } =
      prepareLifterTraining(ws.db, input, ws.cacheDir);
    const job = ws.enqueueJob('train-lifter', title, params);
    return {
      jobId: job.id,
      name: params.name,
      trainFiles: params.trainFiles.length,
      validationFiles: params.validationFiles.length,
      holdOut: params.holdOut,
      trainFrames,
      validationFrames,
      totalSteps: params.totalSteps,
      unlabeledFrames,
      unlabeledSegments,
    };
  },
  'lifterTraining.models': (ws) => seriesDb.listTrainedModels(ws.db, 'lifter'),
};
