/**
 * `kinema train-student` and `kinema student-embed` (issue 8: the VPD student). Bad arguments
 * throw KinemaError, which the CLI prints as `kinema: error: <message>`.
 */
import type { Job } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { prepareStudentEmbed, prepareStudentTraining } from '../analysis/student';
import * as jobsDb from '../db/jobs';
import type { StudentEmbedResult, TrainStudentResult } from '../jobs/kinds/train-student';
import type { Workstation } from '../workstation';

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new KinemaError('BAD_ARGS', `--${name} must be a whole number ≥ 1, got "${value}"`);
  return n;
}

function checkName(name: string | undefined, what: string): string {
  if (!name) throw new KinemaError('BAD_ARGS', `--${what} NAME is required`);
  if (!/^[\w.-]{1,80}$/.test(name.trim()))
    throw new KinemaError(
      'BAD_ARGS',
      `--${what}: a model name may hold letters, digits, ".", "-" and "_" only, got "${name}"`,
    );
  return name.trim();
}

export interface TrainStudentArgs {
  videos?: string;
  name?: string;
  teacher?: string;
  steps?: string;
  batch?: string;
  size?: string;
  rgb?: boolean;
  mask?: boolean;
  replace?: boolean;
  json?: boolean;
}

/** Checks, queues and waits for a train-student job, printing the loss and held-out cosine. */
export async function trainStudentCommand(ws: Workstation, a: TrainStudentArgs): Promise<Job> {
  if (!a.videos)
    throw new KinemaError(
      'BAD_ARGS',
      '--videos ID[,ID…] is required: the videos whose teacher embeddings to learn',
    );
  const videoIds = a.videos.split(',').map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 1)
      throw new KinemaError('BAD_ARGS', `--videos: "${v}" is not a video id`);
    return n;
  });
  const name = checkName(a.name, 'name');
  const size = positiveInt(a.size, 'size');
  if (size !== undefined && (size < 16 || size > 256 || size % 8 !== 0))
    throw new KinemaError('BAD_ARGS', `--size must be a multiple of 8 from 16 to 256, got ${size}`);
  const { params, title, teacherFrames } = prepareStudentTraining(ws.db, {
    name,
    videoIds,
    ...(a.teacher ? { teacher: a.teacher } : {}),
    steps: positiveInt(a.steps, 'steps'),
    batchSize: positiveInt(a.batch, 'batch'),
    cropSize: size,
    appearance: a.rgb ? 'rgb' : 'grey',
    mask: a.mask ?? false,
    replace: a.replace,
  });
  const job = ws.enqueueJob('train-student', title, params);
  process.stderr.write(
    `[job ${job.id}] ${title}: ${teacherFrames} frames with a teacher embedding, ${params.steps} steps of ${params.batchSize}, ${params.spec.cropSize}-px ${params.spec.appearance} crops + flow${params.spec.mask ? ' + mask' : ''}\n`,
  );
  let lastPhase = '';
  const offJob = ws.on('job.updated', (j) => {
    if (j.id !== job.id || j.phase === lastPhase || j.phase === 'train') return;
    lastPhase = j.phase;
    process.stderr.write(`[job ${j.id}] ${j.state} ${j.phase}${j.message ? `: ${j.message}` : ''}\n`);
  });
  const offMetrics = ws.on('job.metrics', ({ jobId, point }) => {
    if (jobId !== job.id || point.valCosine === undefined) return;
    process.stderr.write(
      `[job ${jobId}] step ${point.step}/${params.steps}  loss ${point.loss.toFixed(4)}  held-out cosine ${point.valCosine.toFixed(3)}\n`,
    );
  });
  await ws.whenIdle();
  offJob();
  offMetrics();
  const done = jobsDb.getJob(ws.db, job.id);
  if (done.state === 'done') {
    const r = done.result as TrainStudentResult;
    console.log(
      a.json
        ? JSON.stringify(r)
        : `Trained student "${r.name}" (id ${r.modelId}) in ${r.trainSeconds.toFixed(1)} s on ${r.trainFrames} frames: final loss ${r.finalLoss.toFixed(4)}, mean cosine to the teacher on ${r.heldOutFrames} held-out frames ${r.valCosine.toFixed(3)}; embeddings stored for ${r.series} videos (source student:${r.name}).`,
    );
  }
  return done;
}

/** `student-embed <videoId> --model N [--run R] [--track T]`: queues and waits. */
export async function studentEmbedCommand(
  ws: Workstation,
  args: string[],
  a: { model?: string; run?: string; track?: string; json?: boolean },
): Promise<Job> {
  const videoId = Number(args[0]);
  if (args.length !== 1 || !Number.isInteger(videoId) || videoId < 1)
    throw new KinemaError(
      'BAD_ARGS',
      'usage: kinema student-embed <videoId> --model NAME [--run N] [--track N]',
    );
  const model = checkName(a.model, 'model');
  const track = a.track === undefined ? undefined : Number(a.track);
  if (track !== undefined && !(Number.isInteger(track) && track >= 0))
    throw new KinemaError('BAD_ARGS', `--track must be a track number, got "${a.track}"`);
  const { params, title } = prepareStudentEmbed(
    ws.db,
    { model, videoId, runId: positiveInt(a.run, 'run'), trackId: track },
    ws.cacheDir,
  );
  const job = ws.enqueueJob('student-embed', title, params);
  process.stderr.write(`[job ${job.id}] ${title}\n`);
  await ws.whenIdle();
  const done = jobsDb.getJob(ws.db, job.id);
  if (done.state === 'done') {
    const r = done.result as StudentEmbedResult;
    console.log(
      a.json
        ? JSON.stringify(r)
        : `Stored ${r.frames} frames of ${r.dim}-d embeddings from frame ${r.firstFrame} (source ${r.source}).`,
    );
  }
  return done;
}
