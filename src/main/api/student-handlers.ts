/** Handlers of the VPD student requests (src/shared/contract-student.ts), spread into handlers.ts. */
import type { RequestInput, RequestOutput } from '../../shared/contract';
import type { studentRequests } from '../../shared/contract-student';
import { prepareStudentEmbed, prepareStudentTraining } from '../analysis/student';
import * as seriesDb from '../db/series';
import type { Workstation } from '../workstation';

type StudentName = keyof typeof studentRequests;

export const studentHandlers: {
  [K in StudentName]: (
    ws: Workstation,
    input: RequestInput<K>,
  ) => Promise<RequestOutput<K>> | RequestOutput<K>;
} = {
  'student.train': (ws, input) => {
    const { params, title, teacherFrames } = prepareStudentTraining(ws.db, input);
    const job = ws.enqueueJob('train-student', title, params);
    return { jobId: job.id, name: params.name, teacherFrames };
  },
  'student.embed': (ws, input) => {
    const { params, title } = prepareStudentEmbed(ws.db, input, ws.cacheDir);
    const job = ws.enqueueJob('student-embed', title, params);
    return { jobId: job.id, source: `student:${params.modelName}` };
  },
  'student.models': (ws) => seriesDb.listTrainedModels(ws.db, 'student'),
};
