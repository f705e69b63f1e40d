/**
 * Binds every request of the contract to the workstation. Both transports (Electron IPC and the
 * web-mode WebSocket) call `handleRequest`, which validates the payload with the contract's
 * schema before any handler runs and turns every failure into an error envelope.
 */
import type { Envelope, RequestInput, RequestName, RequestOutput } from '../../shared/contract';
import { describeValidationError, isRequestName, KinemaError, requests } from '../../shared/contract';
import { alignResult } from '../analysis/alignment';
import { editHandlers } from './edit-handlers';
import { alignSequences, tccHandlers } from './tcc-handlers';
import { studentHandlers } from './student-handlers';
import { embedHandlers } from './embed-handlers';
import { cropInspectorHandlers } from './crop-inspector-handlers';
import { actionHandlers } from './actions-handlers';
import { liftHandlers } from './lift-handlers';
import { lifterTrainingHandlers } from './lifter-training-handlers';
import { cropStripFrames, readCropFrame } from '../vpd/inspector';
import { exportKinematics, kinematicsResult } from '../analysis/kinematics';
import * as clipsDb from '../db/clips';
import * as jobsDb from '../db/jobs';
import * as videosDb from '../db/videos';
import type { Workstation } from '../workstation';

type Handlers = {
  [K in RequestName]: (
    ws: Workstation,
    input: RequestInput<K>,
  ) => Promise<RequestOutput<K>> | RequestOutput<K>;
};

const handlers: Handlers = {
  'app.info': (ws) => ws.appInfo(),
  'project.current': (ws) => ws.currentProject(),
  'project.open': (ws, { path }) => ws.openProject(path),
  'project.create': (ws, { path, name }) => ws.openProject(path, true, name),
  'dialog.pickVideos': async (ws) => (await ws.dialogs()?.pickVideos()) ?? [],
  'dialog.pickProject': async (ws, { mode }) => (await ws.dialogs()?.pickProject(mode)) ?? null,
  'dialog.pickExportPath': async (ws, { suggestedName }) =>
    (await ws.dialogs()?.pickExportPath(suggestedName)) ?? null,
  'files.list': (ws, { dir }) => ws.listDir(dir),
  'videos.list': (ws) => videosDb.listVideos(ws.db),
  'videos.import': (ws, { paths }) => ws.importVideos(paths),
  'videos.remove': (ws, { videoId }) => ({ removed: ws.removeVideo(videoId) }),
  'videos.thumbnails': (ws, { videoId }) => {
    videosDb.getVideo(ws.db, videoId);
    return videosDb.listThumbnails(ws.db, videoId);
  },
  'media.frame': (ws, input) => ws.frame(input),
  'clips.list': (ws, { videoId }) => clipsDb.listClips(ws.db, videoId),
  'clips.create': (ws, input) => ws.createClip(input),
  'clips.update': (ws, input) => ws.updateClip(input),
  'clips.delete': (ws, { clipId }) => ({ deleted: ws.deleteClip(clipId) }),
  'clips.export': (ws, input) => ws.exportClip(input),
  'jobs.list': (ws) => jobsDb.listJobs(ws.db),
  'jobs.cancel': (ws, { jobId }) => ({ cancelled: ws.cancelJob(jobId) }),
  'jobs.clearFinished': (ws) => ({ removed: ws.clearFinishedJobs() }),
  'jobs.metrics': (ws, { jobId }) => ws.jobMetrics(jobId),
  'models.list': (ws) => ws.listModels(),
  'poses.detect': (ws, input) => ws.detectPoses(input),
  'poses.runs': (ws, { videoId }) => ws.poseRuns(videoId),
  'poses.tracks': (ws, { runId }) => ws.poseTracks(runId),
  'poses.deleteRun': (ws, { runId }) => ({ deleted: ws.deletePoseRun(runId) }),
  'poses.smooth': (ws, input) => ws.smoothPoseRun(input),
  'kinematics.compute': (ws, input) => kinematicsResult(ws.db, input),
  'kinematics.export': (ws, input) => ({ path: exportKinematics(ws.db, input) }),
  'align.compute': async (ws, input) => alignResult(ws.db, input, await alignSequences(ws, input)),
  'align.report': async (ws, input) => ({
    path: await ws.alignReport(input, await alignSequences(ws, input)),
  }),
  'align.exportVideo': async (ws, input) => ws.alignExportVideo(input, await alignSequences(ws, input)),
  'vpd.crops': (ws, input) => ws.startCrops(input),
  'vpd.cropFrame': (_ws, { outDir, frame, view }) => {
    const f = readCropFrame(outDir, frame, view);
    // Fresh ArrayBuffer-backed copies: the contract's byte fields are plain Uint8Arrays.
    const own = (b: Uint8Array | null) => (b ? new Uint8Array(b) : null);
    return (
      f && { ...f, crop: new Uint8Array(f.crop), prev: own(f.prev), flow: own(f.flow), mask: own(f.mask) }
    );
  },
  'vpd.cropFrames': (_ws, { outDir, view }) => cropStripFrames(outDir, view),
  ...editHandlers,
  ...tccHandlers,
  ...studentHandlers,
  ...embedHandlers,
  ...cropInspectorHandlers,
  ...actionHandlers,
  ...liftHandlers,
  ...lifterTrainingHandlers,
};

export async function handleRequest(
  ws: Workstation,
  name: unknown,
  input: unknown,
): Promise<Envelope<unknown>> {
  if (!isRequestName(name))
    return { ok: false, error: { code: 'UNKNOWN_REQUEST', message: `Unknown request: ${String(name)}` } };
  const parsed = requests[name].input.safeParse(input ?? {});
  if (!parsed.success)
    return {
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: `Invalid ${name} request: ${describeValidationError(parsed.error)}`,
      },
    };
  try {
    const handler = handlers[name] as (ws: Workstation, input: unknown) => unknown;
    return { ok: true, value: await handler(ws, parsed.data) };
  } catch (err) {
    if (err instanceof KinemaError) return { ok: false, error: { code: err.code, message: err.message } };
    console.error(`[kinema] ${name} failed:`, err);
    return { ok: false, error: { code: 'INTERNAL', message: `${name} failed: ${(err as Error).message}` } };
  }
}
