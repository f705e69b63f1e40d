/**
 * Headless Kinema: the same services as the app, from a shell.
 * Run `kinema help` (or `node out/main/cli.js help`) for the commands.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Job, RequestInput } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { alignResult } from '../analysis/alignment';
import { tccSequences } from '../analysis/tcc';
import { parseFeatures, tauCommand, trainTccCommand } from './tcc';
import { studentEmbedCommand, trainStudentCommand } from './student';
import { detectActionsCommand, recognizeCommand } from './actions';
import { evalLifterCommand, trainLifterCommand } from './lifter';
import { embedCommand, embedOutPath } from './embed';
import { trainVipeCommand, trainVipeRequest } from './vipe';
import { liftCommand, liftOutputs } from './lift';
import { kinematicsReport, writeKinematics } from '../analysis/kinematics';
import * as clipsDb from '../db/clips';
import * as jobsDb from '../db/jobs';
import * as posesDb from '../db/poses';
import { assertPoseFormat, poseExportPath, readPoses, writePoses } from '../formats/by-name';
import type { DetectResult } from '../jobs/kinds/detect';
import * as videosDb from '../db/videos';
import { decodeJpegFrames, decodeRgbFrame } from '../media/decode';
import { indexFrames, probeVideo, seekTimeForFrame } from '../media/probe';
import { changeFrameRate } from '../media/transcode';
import { appVersion, builtPaths } from '../paths';
import { writeFlowForCropDir } from '../vpd/write-crops';
import { defaultCacheDir, Workstation } from '../workstation';

const HELP = `Kinema ${appVersion} — command line

Usage: kinema <command> [options]

Project commands (need --project FILE.kinema):
  init                          create the project file
  import <video>...             import videos (probe, index, thumbnails, seek proxy); waits for the jobs
  videos                        list the project's videos
  clips [--video ID]            list clips
  clip-add --video ID --in N --out N [--label TEXT] [--notes TEXT]
                                add a clip of frames [in, out): out is one past the last frame
  clip-update ID [--in N] [--out N] [--label TEXT] [--notes TEXT]
  export <clipId> [--out FILE.mp4] [--mode auto|copy|reencode]
                                export a clip; waits for the job and prints the file
  jobs [--resume]               list jobs; --resume runs jobs a crash interrupted, and waits
  models                        list the pose models that ship with Kinema
  detect <videoId> [--model ID] [--in N --out N] [--people single|multi] [--export DIR --format F]
                                detect 2D poses (default movenet-lightning, whole video); waits,
                                prints frames with a pose and the speed; --export writes the run;
                                --people multi finds and tracks everyone (one track each)
  poses --video ID              list the video's pose runs (detections and imports)
  import-poses <file-or-dir> --video ID --format F
                                store poses from a file as a run of the video (checked first)
  smooth <runId> --filter one-euro|butterworth|median [--cutoff HZ] [--beta B] [--window N]
                                smooth a run's tracks into a new run (the source run is kept);
                                defaults: one-euro 1 Hz / beta 0.05, butterworth 6 Hz, median 5
  export-poses <runId> --format F --out PATH
                                write a run's poses; F: vpd, alphapose, coco, openpose, vp3d, csv
  kinematics <videoId> | --clip ID  --out FILE.csv|.json|.html [--run N] [--track N]
             [--from N --to N] [--filter butterworth|gaussian|median|none] [--cutoff HZ]
             [--sigma FRAMES] [--window N] [--facing auto|left|right] [--angles SPECS.json]
                                joint angles (raw and filtered, degrees) and gait events of a
                                track; default: the video's newest run, its longest track, the
                                clip's or whole range, Butterworth 6 Hz. CSV: one row per frame,
                                gaps empty; JSON adds summaries, gait events and metrics;
                                HTML is the printable report (tables and charts)
  align --learner SIDE --reference SIDE [--mode global|subsequence] [--features bones,angles|tcc:NAME]
        [--report FILE.html] [--video FILE.mp4]
                                align a learner's track to a reference's (DTW) and print the
                                coaching findings; SIDE = RUN[:TRACK][:IN-OUT] (e.g. 3:0:120-300;
                                track default: the run's longest, range default: the whole track);
                                subsequence finds where the reference motion starts in the learner;
                                --report writes the HTML report, --video renders the side-by-side
  train-tcc --label L --name N [--steps 500] [--batch 4] [--frames 32]
            [--loss classification|regression|regression-mse] [--features keypoints,bones,angles] [--replace]
                                train a TCC encoder on every clip labelled L (each clip's newest run,
                                longest track); waits, printing the loss; stores the model and each
                                clip's embeddings; align with --features tcc:N
  tau <learnerClip> <referenceClip> | --label L  [--features bones,angles|tcc:N]
                                Kendall's tau (nearest-neighbour, as TCC) of aligning clips; with
                                --label every ordered pair of the label's clips and their mean
  train-student --videos ID[,ID…] --name N [--teacher vipe] [--steps 2000] [--batch 64]
                [--size 64] [--rgb] [--mask] [--replace]
                                distil the teacher's stored per-frame embeddings (series source,
                                default vipe) of each video's track into a VPD student over the
                                athlete's crops + optical flow; waits, printing the loss and the
                                held-out cosine; stores the model and its embeddings (student:N)
  student-embed <videoId> --model N [--run R] [--track T]
                                a trained student's embeddings of a track (default: newest run,
                                longest track), stored as series student:N; waits
  lift <runId> [--track N] [--from F --to F] [--lifter NAME] [--no-flip]
       [--out FILE.npy|.npz|.csv|.bvh|.trc] [--render OUT.mp4]
                                lift a 2D track to 3D (a 'lift' job; stored as a series of the
                                track) with the shipped lifter-tcn27 or a project lifter: frames ×
                                17 H36M joints, metres, pelvis-relative, camera space; .npy is
                                VideoPose3D's --viz-export layout; --render: video + 3D skeleton
  train-lifter <files/dirs...> --name N [--val FILE/DIR]... [--rf 1|27|81|243] [--channels 256]
               [--epochs 20] [--batch 256] [--lr X] [--noise|--no-noise]
               [--init shipped|none|LIFTER] [--seed 1] [--replace] [--unlabeled RUN[:TRACK]]...
                                train or fine-tune (default: from the shipped lifter when the size
                                matches; --init LIFTER: from a lifter trained in the project, keeping
                                its size) a 3D lifter on BVH/C3D/TRC mocap; --val: validation files
                                (default: about one file in five held out); --unlabeled: also learn
                                from the project's pose tracks as 2D only (semi-supervised, all of a
                                run's tracks or one); waits, printing the loss and validation MPJPE;
                                stores the lifter (lift --lifter N)
  eval-lifter <files/dirs...> [--lifter shipped|ID|NAME] [--noise] [--views 2]
                                MPJPE, P-MPJPE, N-MPJPE and velocity error of a lifter on mocap
                                files (virtual cameras), overall, per action (file/folder name)
                                and per joint; a project lifter (NAME) needs --project
  train-vipe [--mocap DIR] [--steps 3000] [--seed 1] [--context K[:S]] [--out FILE.onnx]
             [--name N [--replace]]
                                train a VIPE* pose embedding on CMU mocap (default
                                ../shared/data/mocap/cmu-bvh; training subjects only), check its
                                ONNX against TF.js, report cross-view retrieval on the validation
                                subjects; --name stores it in the project (embed --model N);
                                --context: the temporal variant (K frames each side, S apart)
  embed <videoId> [--clip ID] [--run N] [--track N] [--from N --to N] [--model NAME]
        [--out FILE.npy|.npz|.json]
                                per-frame VIPE* pose embeddings of a track (default: the newest run's
                                longest track; --clip: its video and range), stored in the project
                                (series 'vipe', or 'vipe:NAME' with a model from train-vipe --name);
                                --out also writes them (.json: VPD's [frame, vector, metadata] list)
  crops <runId> [--track N] [--from N --to N] [--out-dir DIR] [--view front|back] [--size 128]
                                write the VPD crop directory of a track (crop, prev, flow, mask
                                PNGs per frame; default <project>.crops/<video>); waits
  recognize [--features bones,angles|vipe|tcc:N] [--method knn-dtw|linear] [--k 1]
                                few-shot action recognition: labelled clips are the examples, the
                                unlabelled ones get the label of their nearest (k-NN, DTW) or of a
                                linear classifier over pooled clip features (--method linear);
                                prints predictions, leave-one-out accuracy and the confusion matrix
  recognize --retrieve <clipId> [--top 10] [--features F]
                                moments across the project's videos most like the clip, ranked
  detect-actions --label L [--video ID] [--threshold 0.3] [--features F]
                                find occurrences of the labelled action in the videos; prints them
                                and precision/recall against the clips labelled L (IoU ≥ 0.5)

File commands:
  flow <cropDir> [--overwrite]  (re)compute <frame>.flow.png for a crop directory (e.g. from VPD)
  probe <video>                 print what ffprobe and the frame index say, as JSON
  frame <video> <n> --out FILE  write frame n (0-based, exact) as .jpg, .png or .rgb (raw RGB24)
  resample <video> --fps N --out FILE.mp4
                                change the frame rate (frames dropped/duplicated, duration kept)
  serve [--project FILE] [--port N]
                                web mode (same as npm run serve)

Options: --json prints machine-readable output where it applies.`;

function fail(message: string, code = 1): never {
  console.error(`kinema: error: ${message}`);
  process.exit(code);
}

function intArg(value: string | undefined, name: string): number {
  if (value === undefined) fail(`--${name} is required`);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a whole number ≥ 0, got "${value}"`);
  return n;
}

async function openWorkstation(project: string | undefined, create = false): Promise<Workstation> {
  if (!project) fail('--project FILE.kinema is required for this command');
  const ws = new Workstation({
    version: appVersion,
    workerPath: builtPaths.jobWorker,
    cacheDir: defaultCacheDir(),
  });
  await ws.openProject(project, create);
  return ws;
}

/** Waits for the given jobs, printing their progress to stderr; returns them finished. */
async function waitForJobs(ws: Workstation, jobIds: number[]): Promise<Job[]> {
  const lastLine = new Map<number, string>();
  const off = ws.on('job.updated', (job) => {
    if (!jobIds.includes(job.id)) return;
    const pct = job.total > 0 ? ` ${Math.round((100 * job.done) / job.total)}%` : '';
    const line = `[job ${job.id}] ${job.title}: ${job.state} ${job.phase}${pct}`;
    if (lastLine.get(job.id) !== line) process.stderr.write(line + '\n');
    lastLine.set(job.id, line);
  });
  await ws.whenIdle();
  off();
  return jobIds.map((id) => jobsDb.getJob(ws.db, id));
}

/** Opens (or with `create`, creates) the project, runs `fn` on it and closes it whatever happens. */
async function withProject(
  project: string | undefined,
  fn: (ws: Workstation) => Promise<void>,
  create = false,
): Promise<void> {
  const ws = await openWorkstation(project, create);
  try {
    await fn(ws);
  } finally {
    await ws.closeProject();
  }
}

/** The same for commands that also work without a project (`fn` then gets null). */
async function withOptionalProject(
  project: string | undefined,
  fn: (ws: Workstation | null) => Promise<void>,
): Promise<void> {
  if (project) await withProject(project, fn);
  else await fn(null);
}

function reportJobs(jobs: Job[]): void {
  const failed = jobs.filter((j) => j.state !== 'done');
  for (const j of failed)
    console.error(`kinema: error: ${j.title}: ${j.state}${j.error ? ` — ${j.error}` : ''}`);
  if (failed.length) process.exitCode = 1;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      project: { type: 'string', short: 'p' },
      video: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      label: { type: 'string' },
      notes: { type: 'string' },
      mode: { type: 'string' },
      fps: { type: 'string' },
      port: { type: 'string' },
      name: { type: 'string' },
      model: { type: 'string' },
      people: { type: 'string' },
      export: { type: 'string' },
      format: { type: 'string' },
      filter: { type: 'string' },
      cutoff: { type: 'string' },
      beta: { type: 'string' },
      window: { type: 'string' },
      sigma: { type: 'string' },
      clip: { type: 'string' },
      run: { type: 'string' },
      track: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      facing: { type: 'string' },
      angles: { type: 'string' },
      learner: { type: 'string' },
      reference: { type: 'string' },
      features: { type: 'string' },
      report: { type: 'string' },
      'out-dir': { type: 'string' },
      view: { type: 'string' },
      size: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      frames: { type: 'string' },
      loss: { type: 'string' },
      videos: { type: 'string' },
      teacher: { type: 'string' },
      k: { type: 'string' },
      method: { type: 'string' },
      top: { type: 'string' },
      threshold: { type: 'string' },
      retrieve: { type: 'string' },
      mocap: { type: 'string' },
      context: { type: 'string' },
      seed: { type: 'string' },
      rgb: { type: 'boolean', default: false },
      mask: { type: 'boolean', default: false },
      replace: { type: 'boolean', default: false },
      overwrite: { type: 'boolean', default: false },
      lifter: { type: 'string' },
      render: { type: 'string' },
      val: { type: 'string', multiple: true },
      unlabeled: { type: 'string', multiple: true },
      rf: { type: 'string' },
      channels: { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      noise: { type: 'boolean', default: false },
      'no-noise': { type: 'boolean', default: false },
      init: { type: 'string' },
      views: { type: 'string' },
      'no-flip': { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (!command || command === 'help' || values.help) {
    console.log(HELP);
    return;
  }
  switch (command) {
    case 'init': {
      await withProject(
        values.project,
        async (ws) => console.log(`Created ${ws.currentProject()!.path}`),
        true,
      );
      return;
    }
    case 'import': {
      if (!args.length) fail('name at least one video to import');
      await withProject(values.project, async (ws) => {
        const { jobIds } = await ws.importVideos(args);
        const jobs = await waitForJobs(ws, jobIds);
        for (const job of jobs.filter((j) => j.state === 'done')) {
          const video = videosDb.getVideo(ws.db, (job.result as { videoId: number }).videoId);
          console.log(
            `Imported video ${video.id}: ${video.fileName} (${video.frameCount} frames, ${video.width}x${video.height}, ${video.fps.toFixed(3)} fps)`,
          );
        }
        reportJobs(jobs);
      });
      return;
    }
    case 'videos': {
      await withProject(values.project, async (ws) => {
        const videos = videosDb.listVideos(ws.db);
        if (values.json) console.log(JSON.stringify(videos, null, 2));
        else
          for (const v of videos)
            console.log(
              `${v.id}\t${v.status}\t${v.frameCount} frames\t${v.fps.toFixed(3)} fps\t${v.width}x${v.height}\t${v.codec}\t${v.path}`,
            );
      });
      return;
    }
    case 'clips': {
      await withProject(values.project, async (ws) => {
        const clips = clipsDb.listClips(ws.db, values.video ? intArg(values.video, 'video') : undefined);
        if (values.json) console.log(JSON.stringify(clips, null, 2));
        else
          for (const c of clips)
            console.log(`${c.id}\tvideo ${c.videoId}\tframes ${c.inFrame}-${c.outFrame - 1}\t${c.label}`);
      });
      return;
    }
    case 'clip-add': {
      await withProject(values.project, async (ws) => {
        const clip = ws.createClip({
          videoId: intArg(values.video, 'video'),
          inFrame: intArg(values.in, 'in'),
          outFrame: intArg(values.out, 'out'),
          label: values.label,
          notes: values.notes,
        });
        console.log(
          values.json ? JSON.stringify(clip) : `Clip ${clip.id}: frames ${clip.inFrame}-${clip.outFrame - 1}`,
        );
      });
      return;
    }
    case 'clip-update': {
      await withProject(values.project, async (ws) => {
        const clip = ws.updateClip({
          clipId: intArg(args[0], 'clip id'),
          inFrame: values.in === undefined ? undefined : intArg(values.in, 'in'),
          outFrame: values.out === undefined ? undefined : intArg(values.out, 'out'),
          label: values.label,
          notes: values.notes,
        });
        console.log(
          values.json ? JSON.stringify(clip) : `Clip ${clip.id}: frames ${clip.inFrame}-${clip.outFrame - 1}`,
        );
      });
      return;
    }
    case 'export': {
      await withProject(values.project, async (ws) => {
        const mode = values.mode ?? 'auto';
        if (!['auto', 'copy', 'reencode'].includes(mode))
          fail(`--mode must be auto, copy or reencode, got "${mode}"`);
        const { jobId } = ws.exportClip({
          clipId: intArg(args[0], 'clip id'),
          outPath: values.out,
          mode: mode as 'auto',
        });
        const [job] = await waitForJobs(ws, [jobId]);
        if (job.state === 'done') {
          const r = job.result as { outPath: string; method: string; durationS: number };
          console.log(
            values.json
              ? JSON.stringify(r)
              : `Exported ${r.outPath} (${r.method}, ${r.durationS.toFixed(3)} s)`,
          );
        }
        reportJobs([job]);
      });
      return;
    }
    case 'jobs': {
      await withProject(values.project, async (ws) => {
        if (values.resume) {
          const pending = jobsDb
            .listJobs(ws.db)
            .filter((j) => j.state === 'queued' || j.state === 'running')
            .map((j) => j.id);
          reportJobs(await waitForJobs(ws, pending));
        }
        const jobs = jobsDb.listJobs(ws.db);
        if (values.json) console.log(JSON.stringify(jobs, null, 2));
        else
          for (const j of jobs)
            console.log(
              `${j.id}\t${j.kind}\t${j.state}\t${j.phase}\t${j.title}${j.error ? `\t${j.error}` : ''}`,
            );
      });
      return;
    }
    case 'models': {
      await withProject(values.project, async (ws) => {
        const models = ws.listModels();
        if (values.json) console.log(JSON.stringify(models, null, 2));
        else for (const m of models) console.log(`${m.id}\t${m.task}\t${m.skeletonId}\t${m.description}`);
      });
      return;
    }
    case 'detect': {
      const videoId = intArg(args[0], 'video id');
      const format = values.export ? assertPoseFormat(values.format) : null;
      const people = values.people ?? 'single';
      if (people !== 'single' && people !== 'multi')
        fail(`--people must be single or multi, got "${values.people}"`);
      if (values.export && !(existsSync(values.export) && statSync(values.export).isDirectory()))
        fail(`--export must name an existing folder, got "${values.export}"`);
      await withProject(values.project, async (ws) => {
        const { jobId } = ws.detectPoses({
          videoId,
          model: values.model ?? 'movenet-lightning',
          inFrame: values.in === undefined ? undefined : intArg(values.in, 'in'),
          outFrame: values.out === undefined ? undefined : intArg(values.out, 'out'),
          ...(people === 'multi' ? { people } : {}),
        });
        const [job] = await waitForJobs(ws, [jobId]);
        if (job.state === 'done') {
          const r = job.result as DetectResult;
          const run = posesDb.getRun(ws.db, r.runId);
          const p = job.params as { inFrame: number; outFrame: number };
          let exported: string | undefined;
          if (values.export && format) {
            const set = posesDb.loadRunPoseSet(ws.db, r.runId);
            exported = poseExportPath(resolve(values.export), format, set.video.name ?? `video${videoId}`);
            writePoses(format, set, exported);
          }
          const summary = {
            runId: r.runId,
            frames: p.outFrame - p.inFrame,
            posed: run.tracks[0]?.frameCount ?? 0,
            fps: r.fps,
            modelMs: r.modelMs,
            inferences: r.inferences,
            detectorRuns: r.detectorRuns ?? 0,
            exported,
            ...(people === 'multi'
              ? { tracks: run.tracks.map((t) => ({ trackId: t.trackId, frameCount: t.frameCount })) }
              : {}),
          };
          console.log(
            values.json
              ? JSON.stringify(summary)
              : `Run ${summary.runId}: ${summary.posed} of ${summary.frames} frames with a pose, ${r.fps.toFixed(1)} frames/s (model ${r.modelMs.toFixed(1)} ms/frame)${summary.tracks ? `; ${summary.tracks.length} tracks (${summary.tracks.map((t) => `${t.trackId}: ${t.frameCount} frames`).join(', ')})` : ''}${exported ? `; wrote ${exported}` : ''}`,
          );
        }
        reportJobs([job]);
      });
      return;
    }
    case 'poses': {
      await withProject(values.project, async (ws) => {
        const runs = ws.poseRuns(intArg(values.video, 'video'));
        if (values.json) console.log(JSON.stringify(runs, null, 2));
        else
          for (const r of runs)
            console.log(
              `${r.id}\t${r.source}\t${r.model}\t${r.createdAt}\t${r.tracks.map((t) => `track ${t.trackId}: ${t.frameCount} frames (${t.firstFrame}-${t.lastFrame})`).join(', ')}`,
            );
      });
      return;
    }
    case 'import-poses': {
      if (!args[0]) fail('usage: kinema import-poses <file-or-dir> --video ID --format F --project P');
      const format = assertPoseFormat(values.format);
      const videoId = intArg(values.video, 'video');
      await withProject(values.project, async (ws) => {
        const video = videosDb.getVideo(ws.db, videoId);
        const path = resolve(args[0]);
        if (!existsSync(path)) fail(`not found: ${path}`);
        const set = readPoses(format, path, {
          width: video.width,
          height: video.height,
          fps: video.fps,
          frameCount: video.frameCount,
          name: basename(video.fileName, extname(video.fileName)),
        });
        const runId = ws.importPoses(videoId, set, format, path);
        const run = posesDb.getRun(ws.db, runId);
        console.log(
          values.json
            ? JSON.stringify(run)
            : `Imported run ${runId}: ${run.tracks.length} track(s), ${run.tracks.reduce((n, t) => n + t.frameCount, 0)} poses`,
        );
      });
      return;
    }
    case 'smooth': {
      const runId = intArg(args[0], 'run id');
      const filter = values.filter;
      if (filter !== 'one-euro' && filter !== 'butterworth' && filter !== 'median')
        fail('--filter must be one-euro, butterworth or median');
      const num = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isFinite(n)) fail(`--${name} must be a number, got "${v}"`);
        return n;
      };
      await withProject(values.project, async (ws) => {
        const run = ws.smoothPoseRun({
          runId,
          filter,
          cutoffHz: num(values.cutoff, 'cutoff'),
          beta: num(values.beta, 'beta'),
          window: values.window === undefined ? undefined : intArg(values.window, 'window'),
        });
        console.log(
          values.json
            ? JSON.stringify(run)
            : `Smoothed run ${runId} with ${filter} into run ${run.id}: ${run.tracks.length} track(s), ${run.tracks.reduce((n, t) => n + t.frameCount, 0)} poses`,
        );
      });
      return;
    }
    case 'kinematics': {
      if (!values.out) fail('--out FILE.csv or FILE.json is required');
      const out = resolve(values.out);
      const format = values.format ?? extname(out).slice(1).toLowerCase();
      if (format !== 'csv' && format !== 'json')
        fail(`--out must end in .csv or .json (or give --format csv|json), got "${values.out}"`);
      const num = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!(n > 0)) fail(`--${name} must be a number > 0, got "${v}"`);
        return n;
      };
      const filter = ((): RequestInput<'kinematics.compute'>['filter'] => {
        switch (values.filter ?? 'butterworth') {
          case 'butterworth':
            return { kind: 'butterworth', cutoffHz: num(values.cutoff, 'cutoff') ?? 6 };
          case 'gaussian':
            return { kind: 'gaussian', sigmaFrames: num(values.sigma, 'sigma') ?? 2 };
          case 'median':
            return {
              kind: 'median',
              window: values.window === undefined ? 5 : intArg(values.window, 'window'),
            };
          case 'none':
            return { kind: 'none' };
          default:
            return fail(`--filter must be butterworth, gaussian, median or none, got "${values.filter}"`);
        }
      })();
      const facings = ['auto', 'left', 'right'] as const;
      const facing = facings.find((f) => f === values.facing);
      if (values.facing !== undefined && !facing)
        fail(`--facing must be auto, left or right, got "${values.facing}"`);
      let custom: unknown;
      if (values.angles) {
        try {
          custom = JSON.parse(readFileSync(resolve(values.angles), 'utf8'));
        } catch (err) {
          fail(`cannot read the angle specs ${values.angles}: ${(err as Error).message}`);
        }
      }
      await withProject(values.project, async (ws) => {
        let videoId: number;
        let range: { inFrame?: number; outFrame?: number } = {};
        if (values.clip !== undefined) {
          const clip = clipsDb.getClip(ws.db, intArg(values.clip, 'clip'));
          videoId = clip.videoId;
          range = { inFrame: clip.inFrame, outFrame: clip.outFrame };
        } else videoId = intArg(args[0], 'video id (or --clip ID)');
        if (values.from !== undefined) range.inFrame = intArg(values.from, 'from');
        if (values.to !== undefined) range.outFrame = intArg(values.to, 'to');
        const runs = ws.poseRuns(videoId);
        const run =
          values.run !== undefined
            ? runs.find((r) => r.id === intArg(values.run, 'run'))
            : runs.reduce<(typeof runs)[number] | undefined>(
                (a, r) => (!a || r.id > a.id ? r : a),
                undefined,
              );
        if (!run)
          fail(
            values.run !== undefined
              ? `video ${videoId} has no pose run ${values.run} (runs: ${runs.map((r) => r.id).join(', ') || 'none'})`
              : `video ${videoId} has no poses yet: run \`kinema detect ${videoId}\` first`,
          );
        const trackId =
          values.track !== undefined
            ? intArg(values.track, 'track')
            : (run.tracks.reduce<(typeof run.tracks)[number] | undefined>(
                (a, t) => (!a || t.frameCount > a.frameCount ? t : a),
                undefined,
              )?.trackId ?? 0);
        const request = {
          runId: run.id,
          trackId,
          ...range,
          filter,
          ...(facing ? { facing } : {}),
          ...(custom !== undefined ? { custom: custom as never } : {}),
        };
        const report = kinematicsReport(ws.db, request);
        writeKinematics(report, out, format, {
          videoName: videosDb.getVideo(ws.db, videoId).fileName,
          runId: run.id,
        });
        const path = out;
        const g = report.gait;
        console.log(
          values.json
            ? JSON.stringify({
                path,
                runId: run.id,
                trackId,
                frames: report.frameCount,
                angles: report.angles.map((a) => a.name),
                gaitEvents: g?.events.length ?? 0,
              })
            : `Wrote ${report.angles.length} angles × ${report.frameCount} frames (run ${run.id}, track ${trackId}, frames ${report.firstFrame}–${report.firstFrame + report.frameCount - 1}) to ${path}` +
                (report.unavailable.length
                  ? `\n  not available: ${report.unavailable.map((u) => `${u.name} (${u.reason})`).join('; ')}`
                  : '') +
                (g
                  ? `\n  gait (${g.mode}): ${g.events.length} events, cadence ${Number.isFinite(g.metrics.cadence) ? g.metrics.cadence.toFixed(1) : '—'} steps/min`
                  : `\n  gait: ${report.gaitError}`),
        );
      });
      return;
    }
    case 'align': {
      await withProject(values.project, async (ws) => {
        const side = (spec: string | undefined, what: string) => {
          const m = spec === undefined ? null : /^(\d+)(?::(\d+))?(?::(\d+)-(\d+))?$/.exec(spec);
          if (!m)
            return fail(`--${what} must be RUN[:TRACK][:IN-OUT] (e.g. 3:0:120-300), got "${spec ?? ''}"`);
          const runId = Number(m[1]);
          const run = posesDb.getRun(ws.db, runId);
          const trackId =
            m[2] !== undefined
              ? Number(m[2])
              : (run.tracks.reduce<(typeof run.tracks)[number] | undefined>(
                  (a, t) => (!a || t.frameCount > a.frameCount ? t : a),
                  undefined,
                )?.trackId ?? 0);
          return {
            runId,
            trackId,
            ...(m[3] !== undefined ? { inFrame: Number(m[3]), outFrame: Number(m[4]) + 1 } : {}),
          };
        };
        const mode = values.mode ?? 'global';
        if (mode !== 'global' && mode !== 'subsequence')
          fail(`--mode must be global or subsequence, got "${mode}"`);
        const features = parseFeatures(values.features, true) as RequestInput<'align.compute'>['features'];
        const request = {
          learner: side(values.learner, 'learner'),
          reference: side(values.reference, 'reference'),
          mode: mode as 'global' | 'subsequence',
          ...(features ? { features } : {}),
        };
        const sequences = await tccSequences(ws.db, request);
        const result = alignResult(ws.db, request, sequences);
        const report = values.report
          ? await ws.alignReport({ ...request, outPath: resolve(values.report) }, sequences)
          : undefined;
        let video: Job | undefined;
        if (values.video) {
          const { jobId } = ws.alignExportVideo({ ...request, outPath: resolve(values.video) }, sequences);
          [video] = await waitForJobs(ws, [jobId]);
        }
        const findings = result.coaching?.findings ?? [];
        if (values.json)
          console.log(
            JSON.stringify({
              mode: result.mode,
              learner: { start: result.learnerStart, end: result.learnerEnd },
              reference: { start: result.referenceStart, end: result.referenceEnd },
              normalizedCost: result.normalizedCost,
              features: result.features,
              featureTau: result.featureTau,
              learnerToReference: Array.from(new Int32Array(result.learnerToReference.slice().buffer)),
              duration: result.coaching?.duration ?? null,
              findings,
              coachingError: result.coachingError,
              report,
              video: video && (video.state === 'done' ? (video.result as { outPath: string }).outPath : null),
            }),
          );
        else {
          console.log(
            `Aligned learner frames ${result.learnerStart}–${result.learnerEnd} to reference frames ${result.referenceStart}–${result.referenceEnd} (${result.mode}; mean cost ${result.normalizedCost.toFixed(3)})`,
          );
          if (result.coachingError) console.log(result.coachingError);
          for (const f of findings)
            console.log(`  • ${f.text} [learner ${f.learnerFrame}, reference ${f.referenceFrame}]`);
          if (!findings.length && !result.coachingError)
            console.log('  No difference large enough to report.');
          if (report) console.log(`Report: ${report}`);
          if (video?.state === 'done') console.log(`Video: ${(video.result as { outPath: string }).outPath}`);
        }
        if (video) reportJobs([video]);
      });
      return;
    }
    case 'train-lifter': {
      await withProject(values.project, async (ws) => {
        reportJobs([await trainLifterCommand(ws, args, values)]);
      });
      return;
    }
    case 'eval-lifter': {
      await withOptionalProject(values.project, (ws) => evalLifterCommand(ws, args, values));
      return;
    }
    case 'train-tcc': {
      await withProject(values.project, async (ws) => {
        reportJobs([await trainTccCommand(ws, values)]);
      });
      return;
    }
    case 'train-student': {
      await withProject(values.project, async (ws) => {
        reportJobs([await trainStudentCommand(ws, values)]);
      });
      return;
    }
    case 'student-embed': {
      await withProject(values.project, async (ws) => {
        reportJobs([await studentEmbedCommand(ws, args, values)]);
      });
      return;
    }
    case 'tau': {
      await withProject(values.project, async (ws) => {
        await tauCommand(ws, args, values);
      });
      return;
    }
    case 'train-vipe': {
      trainVipeRequest(values);
      await withOptionalProject(values.project, (ws) => trainVipeCommand(values, ws, defaultCacheDir()));
      return;
    }
    case 'embed': {
      embedOutPath(values.out);
      await withProject(values.project, async (ws) => {
        reportJobs([await embedCommand(ws, args, values)]);
      });
      return;
    }
    case 'lift': {
      liftOutputs(values);
      await withProject(values.project, async (ws) => {
        reportJobs(await liftCommand(ws, args, values));
      });
      return;
    }
    case 'recognize':
    case 'detect-actions': {
      await withProject(values.project, async (ws) => {
        if (command === 'recognize') recognizeCommand(ws, values);
        else detectActionsCommand(ws, values);
      });
      return;
    }
    case 'crops': {
      const runId = intArg(args[0], 'run id');
      const view = values.view;
      if (view !== undefined && view !== 'front' && view !== 'back')
        fail(`--view must be front or back, got "${view}"`);
      await withProject(values.project, async (ws) => {
        const { jobId, outDir } = ws.startCrops({
          runId,
          ...(values.track !== undefined ? { trackId: intArg(values.track, 'track') } : {}),
          ...(values.from !== undefined ? { inFrame: intArg(values.from, 'from') } : {}),
          ...(values.to !== undefined ? { outFrame: intArg(values.to, 'to') } : {}),
          ...(values['out-dir'] ? { outDir: resolve(values['out-dir']) } : {}),
          ...(view ? { view: view as 'front' | 'back' } : {}),
          ...(values.size !== undefined ? { cropSize: intArg(values.size, 'size') } : {}),
        });
        const [job] = await waitForJobs(ws, [jobId]);
        if (job.state === 'done') {
          const r = job.result as {
            frames: number;
            absent: number;
            bridged: number;
            fps: number;
            flowMs: number;
            cropSize: number;
          };
          console.log(
            values.json
              ? JSON.stringify({ outDir, ...r })
              : `Wrote ${r.frames} crops (${r.cropSize} px; ${r.absent} frames without the athlete, ${r.bridged} bridged) to ${outDir} at ${r.fps.toFixed(1)} frames/s (flow ${r.flowMs.toFixed(1)} ms/pair)`,
          );
        }
        reportJobs([job]);
      });
      return;
    }
    case 'flow': {
      if (!args[0]) fail('name a crop directory');
      const dir = resolve(args[0]);
      if (!existsSync(dir)) fail(`no such folder: ${dir}`);
      const r = await writeFlowForCropDir(dir, { overwrite: values.overwrite });
      console.log(
        values.json
          ? JSON.stringify(r)
          : `Wrote ${r.written} flow images (${r.skipped} already there) in ${dir}${r.written ? `, ${r.flowMs.toFixed(1)} ms per pair` : ''}`,
      );
      return;
    }
    case 'export-poses': {
      const runId = intArg(args[0], 'run id');
      const format = assertPoseFormat(values.format);
      if (!values.out) fail('--out PATH is required');
      const out = resolve(values.out);
      await withProject(values.project, async (ws) => {
        writePoses(format, posesDb.loadRunPoseSet(ws.db, runId), out);
        console.log(`Wrote run ${runId} as ${format} to ${out}`);
      });
      return;
    }
    case 'probe': {
      if (!args[0]) fail('name a video to probe');
      const probe = await probeVideo(resolve(args[0]));
      const index = await indexFrames(probe);
      console.log(
        JSON.stringify(
          { ...probe, frameCount: index.frameTimes.length, keyframes: index.keyframes.length },
          null,
          2,
        ),
      );
      return;
    }
    case 'frame': {
      if (!args[0] || args[1] === undefined) fail('usage: kinema frame <video> <n> --out FILE');
      if (!values.out) fail('--out FILE (.jpg, .png or .rgb) is required');
      const n = intArg(args[1], 'frame number');
      const probe = await probeVideo(resolve(args[0]));
      const index = await indexFrames(probe);
      if (n >= index.frameTimes.length)
        fail(`frame ${n} is out of range: the video has frames 0 to ${index.frameTimes.length - 1}`);
      const seekS = seekTimeForFrame(index.frameTimes, n);
      const ext = extname(values.out).toLowerCase();
      if (ext === '.rgb') {
        await writeFile(
          values.out,
          await decodeRgbFrame({ path: probe.path, seekS, width: probe.width, height: probe.height }),
        );
      } else if (ext === '.jpg' || ext === '.jpeg') {
        const [jpeg] = await decodeJpegFrames({
          path: probe.path,
          seekS,
          count: 1,
          maxSize: 8192,
          quality: 2,
        });
        await writeFile(values.out, jpeg);
      } else if (ext === '.png') {
        const { runTool, ffmpegPaths } = await import('../media/ffmpeg');
        const a = ['-v', 'error', '-y'];
        if (seekS > 0) a.push('-ss', seekS.toFixed(6));
        await runTool(ffmpegPaths().ffmpegPath, [...a, '-i', probe.path, '-frames:v', '1', values.out]);
      } else fail('--out must end in .jpg, .png or .rgb');
      console.log(`Wrote frame ${n} of ${probe.path} to ${values.out}`);
      return;
    }
    case 'resample': {
      if (!args[0]) fail('usage: kinema resample <video> --fps N --out FILE.mp4');
      if (!values.out) fail('--out FILE.mp4 is required');
      const fps = Number(values.fps);
      if (!(fps > 0)) fail(`--fps must be a positive number, got "${values.fps ?? ''}"`);
      await probeVideo(resolve(args[0]));
      await changeFrameRate({ path: resolve(args[0]), outPath: resolve(values.out), fps });
      console.log(`Wrote ${values.out} at ${fps} fps`);
      return;
    }
    case 'serve': {
      process.argv = [
        process.argv[0],
        builtPaths.jobWorker,
        ...(values.project ? ['--project', values.project] : []),
        ...(values.port ? ['--port', values.port] : []),
      ];
      await import('../web/serve');
      return;
    }
    default:
      fail(`unknown command "${command}". Run "kinema help".`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof KinemaError) fail(err.message);
  fail((err as Error).stack ?? String(err));
});
