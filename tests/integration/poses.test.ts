/**
 * 2D pose detection and pose files against the built app, from the CLI: MoveNet finds a real
 * person (from @vladmandic/human's sample photo) where she is; a detection killed half-way resumes
 * without duplicated frames; pose files import and export; bad input is refused and writes nothing.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunPoseSet } from '../../src/main/db/poses';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack, type PoseSet } from '../../src/shared/pose';
import { COCO17_FEET_JOINTS, COCO17_JOINTS } from '../../src/shared/skeletons';
import { boxIou, idSwitchesFromTracks } from '../../src/shared/tracking';
import { Workstation } from '../../src/main/workstation';
import { assertBuilt, cli, spawnCli } from '../helpers/app';
import { makePersonVideo, makeTwoPersonVideo, tempDir, type PersonRegion } from '../helpers/media';
import { expectPoseSetsClose, syntheticRow } from '../helpers/poses';

const tmp = tempDir('poses-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'poses.kinema');
let region: (t: number) => PersonRegion;
const FPS = 25;
const LONG_FRAMES = 1000;

function withDb<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(project, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function counts() {
  return withDb((db) => {
    const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { runs: n('pose_runs'), tracks: n('pose_tracks'), chunks: n('pose_chunks'), jobs: n('jobs') };
  });
}

/** SIGKILLs the child once a running detect job has committed a checkpoint; whether it did. */
async function killAtFirstCheckpoint(child: ChildProcess): Promise<boolean> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 90_000;
  let killed = false;
  while (Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 25));
    let n = 0;
    try {
      const rows = withDb(
        (db) =>
          db.prepare("SELECT checkpoint FROM jobs WHERE kind = 'detect' AND state = 'running'").all() as {
            checkpoint: string | null;
          }[],
      );
      n = rows.filter((row) => row.checkpoint && JSON.parse(row.checkpoint).nextFrame > 0).length;
    } catch {
      continue;
    }
    if (n > 0) {
      child.kill('SIGKILL');
      killed = true;
      break;
    }
  }
  await exited;
  return killed;
}

const joint = (name: string) => (COCO17_JOINTS as readonly string[]).indexOf(name);

beforeAll(() => {
  assertBuilt();
  const short = makePersonVideo(join(tmp.dir, 'stand.mp4'), { fps: FPS, seconds: 2, speed: 30 });
  region = short.region;
  makePersonVideo(join(tmp.dir, 'long.mp4'), {
    fps: FPS,
    seconds: LONG_FRAMES / FPS,
    width: 480,
    height: 270,
    size: 240,
    x: 120,
    y: 15,
  });
  expect(cli(['init', '--project', project], env).code).toBe(0);
  // One at a time: import jobs run in parallel, so ids would follow whichever finished first.
  for (const [name, id] of [
    ['stand.mp4', 1],
    ['long.mp4', 2],
  ] as const) {
    const imported = cli(['import', join(tmp.dir, name), '--project', project], env);
    expect(imported.stderr).not.toMatch(/error/);
    expect(imported.stdout).toContain(`Imported video ${id}: ${name}`);
  }
});
afterAll(() => tmp.cleanup());

describe('pose detection', () => {
  it('finds the person: nose above hips, keypoints on her picture', () => {
    const r = cli(['detect', '1', '--project', project, '--json'], env);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { runId: number; frames: number; posed: number; fps: number };
    expect(summary.frames).toBe(50);
    expect(summary.posed).toBeGreaterThanOrEqual(48);
    expect(summary.fps).toBeGreaterThan(0);

    const set = withDb((db) => loadRunPoseSet(db, summary.runId));
    expect(set.video).toMatchObject({ width: 640, height: 360 });
    expect(set.tracks).toHaveLength(1);
    const t = set.tracks[0];
    const k = 17 * 3;
    let upright = 0;
    let confident = 0;
    let inside = 0;
    for (let i = 0; i < t.frames.length; i++) {
      const kp = t.keypoints.subarray(i * k, (i + 1) * k);
      const hipsY = (kp[joint('left_hip') * 3 + 1] + kp[joint('right_hip') * 3 + 1]) / 2;
      if (kp[joint('nose') * 3 + 1] < hipsY - 50) upright++;
      const box = region(t.frames[i] / FPS);
      for (let j = 0; j < 17; j++) {
        if (kp[j * 3 + 2] < 0.3) continue;
        confident++;
        const [x, y] = [kp[j * 3], kp[j * 3 + 1]];
        if (x >= box.x - 8 && x <= box.x + box.size + 8 && y >= box.y - 8 && y <= box.y + box.size + 8)
          inside++;
      }
      // The stored box and score describe the keypoints.
      expect(t.scores[i]).toBeGreaterThanOrEqual(0.2);
      expect(t.boxes[i * 4 + 2]).toBeGreaterThan(50);
    }
    expect(upright / t.frames.length).toBeGreaterThan(0.9);
    expect(confident).toBeGreaterThan(t.frames.length * 12);
    expect(inside / confident).toBeGreaterThan(0.97);

    const runs = JSON.parse(cli(['poses', '--video', '1', '--project', project, '--json'], env).stdout);
    expect(runs[0]).toMatchObject({
      id: summary.runId,
      source: 'model',
      model: 'movenet-lightning',
      skeletonId: 'coco17',
    });
    expect(runs[0].tracks[0]).toMatchObject({ trackId: 0, frameCount: t.frames.length });
  });

  it('kinematics: writes joint angles of the detected track as CSV and JSON', () => {
    const csv = join(tmp.dir, 'stand-angles.csv');
    const r = cli(['kinematics', '1', '--out', csv, '--project', project, '--json'], env);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { path: string; frames: number; angles: string[] };
    expect(summary.path).toBe(csv);
    expect(summary.angles).toEqual(expect.arrayContaining(['right_knee_flexion', 'trunk_lean']));
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^frame,time_s,.*right_knee_flexion_raw,right_knee_flexion/);
    expect(lines.length - 1).toBe(summary.frames);
    // She stands still: small knee flexion, upright trunk.
    const head = lines[0].split(',');
    const knees = lines
      .slice(1)
      .map((l) => Number(l.split(',')[head.indexOf('right_knee_flexion')]))
      .filter(Number.isFinite);
    expect(knees.length).toBeGreaterThan(summary.frames * 0.8);
    expect(Math.max(...knees.map(Math.abs))).toBeLessThan(40);

    const json = join(tmp.dir, 'stand-angles.json');
    const j = cli(
      ['kinematics', '1', '--out', json, '--filter', 'median', '--window', '3', '--project', project],
      env,
    );
    expect(j.code).toBe(0);
    expect(j.stdout).toMatch(/Wrote \d+ angles × \d+ frames/);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ filter: { kind: 'median', window: 3 } });

    const bad = cli(['kinematics', '1', '--out', join(tmp.dir, 'x.txt'), '--project', project], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--out must end in \.csv or \.json/);
    const noPoses = cli(['kinematics', '2', '--out', csv, '--project', project], env);
    expect(noPoses.code).not.toBe(0);
    expect(noPoses.stderr).toMatch(/video 2 has no poses yet/);
  });

  it('BlazePose stores COCO-17 + feet: heels and big toes at the ankles or below, on her picture', () => {
    const r = cli(['detect', '1', '--model', 'blazepose-full', '--project', project, '--json'], env);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      runId: number;
      frames: number;
      posed: number;
      detectorRuns: number;
    };
    expect(summary.frames).toBe(50);
    expect(summary.posed).toBeGreaterThanOrEqual(45);
    // The detector finds her once; the landmarks follow her from frame to frame.
    expect(summary.detectorRuns).toBeLessThan(10);
    const set = withDb((db) => loadRunPoseSet(db, summary.runId));
    const t = set.tracks[0];
    expect(t.skeletonId).toBe('coco17-feet');
    const K = COCO17_FEET_JOINTS.length;
    const at = (name: string) => (COCO17_FEET_JOINTS as readonly string[]).indexOf(name);
    let feetOk = 0;
    let inside = 0;
    let confident = 0;
    for (let i = 0; i < t.frames.length; i++) {
      const kp = t.keypoints.subarray(i * K * 3, (i + 1) * K * 3);
      const y = (name: string) => kp[at(name) * 3 + 1];
      if (
        ['left', 'right'].every(
          (side) =>
            y(`${side}_heel`) > y(`${side}_ankle`) - 5 && y(`${side}_big_toe`) > y(`${side}_ankle`) - 5,
        ) &&
        y('nose') < y('left_hip') - 50
      )
        feetOk++;
      const box = region(t.frames[i] / FPS);
      for (let j = 0; j < K; j++) {
        if (kp[j * 3 + 2] < 0.5) continue;
        confident++;
        const [x, yy] = [kp[j * 3], kp[j * 3 + 1]];
        if (x >= box.x - 8 && x <= box.x + box.size + 8 && yy >= box.y - 8 && yy <= box.y + box.size + 8)
          inside++;
      }
    }
    expect(feetOk / t.frames.length).toBeGreaterThan(0.9);
    expect(inside / confident).toBeGreaterThan(0.97);
    const refused = cli(
      ['detect', '1', '--model', 'blazepose-full', '--people', 'multi', '--project', project],
      env,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/one person only; choose "one athlete"/);
  });

  it('resumes after a kill from its last committed chunk, with no duplicated frames', async () => {
    const killed = await killAtFirstCheckpoint(spawnCli(['detect', '2', '--project', project], env));
    expect(killed).toBe(true);
    const job = withDb(
      (db) =>
        db
          .prepare("SELECT id, state, checkpoint FROM jobs WHERE kind = 'detect' ORDER BY id DESC LIMIT 1")
          .get() as {
          id: number;
          state: string;
          checkpoint: string;
        },
    );
    expect(job.state).toBe('running');
    const cp = JSON.parse(job.checkpoint) as { runId: number; nextFrame: number };
    expect(cp.nextFrame).toBeGreaterThan(0);
    expect(cp.nextFrame).toBeLessThan(LONG_FRAMES);
    expect(withDb((db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');

    const resumed = cli(['jobs', '--resume', '--project', project], env);
    expect(resumed.stderr).not.toMatch(/error/);
    expect(resumed.code).toBe(0);
    const done = withDb(
      (db) =>
        db.prepare('SELECT state, attempts, result FROM jobs WHERE id = ?').get(job.id) as {
          state: string;
          attempts: number;
          result: string;
        },
    );
    expect(done).toMatchObject({ state: 'done', attempts: 2 });
    const result = JSON.parse(done.result) as { runId: number; posed: number };
    expect(result.runId).toBe(cp.runId);
    const set = withDb((db) => loadRunPoseSet(db, cp.runId));
    const frames = Array.from(set.tracks[0].frames);
    for (let i = 1; i < frames.length; i++) expect(frames[i]).toBeGreaterThan(frames[i - 1]);
    expect(frames[0]).toBeGreaterThanOrEqual(0);
    expect(frames.at(-1)).toBeLessThan(LONG_FRAMES);
    // Every frame of the range once, less the gaps (frames without a confident pose).
    const gaps = LONG_FRAMES - frames.length;
    expect(result.posed).toBe(frames.length);
    expect(gaps).toBeGreaterThanOrEqual(0);
    expect(gaps).toBeLessThan(LONG_FRAMES * 0.05);
    const stored = withDb(
      (db) =>
        db
          .prepare(
            'SELECT sum(c.frame_count) AS n FROM pose_chunks c JOIN pose_tracks t ON t.id = c.track_row WHERE t.run_id = ?',
          )
          .get(cp.runId) as { n: number },
    );
    expect(stored.n).toBe(frames.length);
  });

  it('cancels a running detection, leaving no partial run', async () => {
    const ws = new Workstation({
      version: 'test',
      workerPath: join(process.cwd(), 'out', 'main', 'jobWorker.js'),
      cacheDir: join(tmp.dir, 'cache'),
    });
    await ws.openProject(project);
    const runsBefore = counts().runs;
    const { jobId } = ws.detectPoses({ videoId: 2, model: 'movenet-lightning' });
    const events: number[] = [];
    const offPoses = ws.on('poses.changed', ({ videoId }) => events.push(videoId));
    await new Promise<void>((resolve) => {
      const off = ws.on('job.updated', (job) => {
        if (job.id !== jobId) return;
        const running = job.state === 'running' && job.phase === 'detect' && job.done >= 256;
        // A job that ended before it could be cancelled fails the test below instead of hanging.
        if (running || ['done', 'failed', 'cancelled'].includes(job.state)) {
          off();
          if (running) ws.cancelJob(jobId);
          resolve();
        }
      });
    });
    await ws.whenIdle();
    offPoses();
    const job = (await import('../../src/main/db/jobs')).getJob(ws.db, jobId);
    await ws.closeProject();
    expect(job.state).toBe('cancelled');
    expect(counts().runs).toBe(runsBefore);
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events)).toEqual(new Set([2]));
  });

  it('refuses an unknown model and a range outside the video, queuing nothing', () => {
    const before = counts();
    const r = cli(['detect', '1', '--model', 'posenet-9000', '--project', project], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Unknown model "posenet-9000"\. Available: movenet-lightning/);
    const range = cli(['detect', '1', '--in', '40', '--out', '60', '--project', project], env);
    expect(range.code).not.toBe(0);
    expect(range.stderr).toMatch(/outside stand\.mp4, which has frames 0 to 49/);
    expect(counts()).toEqual(before);
  });
});

describe('multi-person detection', () => {
  it('tracks two people who cross: two confirmed tracks, no id switch', () => {
    // A walks right, B walks left; they cross mid-clip (B in front, A hidden for ~20 frames).
    const two = makeTwoPersonVideo(join(tmp.dir, 'two.mp4'), { fps: FPS, seconds: 3, speed: 150 });
    const imported = cli(['import', two.path, '--project', project], env);
    const videoId = Number(/Imported video (\d+): two\.mp4/.exec(imported.stdout)?.[1]);
    expect(videoId).toBeGreaterThan(0);
    const r = cli(['detect', String(videoId), '--people', 'multi', '--project', project, '--json'], env);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { runId: number; frames: number; tracks: { trackId: number }[] };
    expect(summary.frames).toBe(75);
    const set = withDb((db) => loadRunPoseSet(db, summary.runId));
    expect(set.provenance?.params).toMatchObject({ people: 'multi' });
    expect(set.tracks.map((t) => t.trackId)).toEqual([0, 1]);
    for (const t of set.tracks) expect(t.frames.length).toBeGreaterThan(75 * 0.6);

    // Ground truth: the woman's body inside her picture (measured: 20-72 % across, 7-93 % down),
    // left out while the two pictures overlap (one hides the other: a miss there is not a switch).
    const body = (p: PersonRegion) =>
      Float32Array.of(p.x + 0.2 * p.size, p.y + 0.07 * p.size, 0.52 * p.size, 0.86 * p.size);
    const gt = [0, 1].map((id) => {
      const rows = [];
      for (let f = 0; f < 75; f++) {
        const [a, b] = two.regions(f / FPS);
        if (boxIou(body(a), body(b)) > 0) continue;
        rows.push({ frame: f, keypoints: new Float32Array(51), box: body(id === 0 ? a : b), score: 1 });
      }
      return buildTrack(id, 'coco17', rows);
    });
    const report = idSwitchesFromTracks(gt, set.tracks);
    expect(report.switches).toBe(0);
    expect(report.matched / (report.matched + report.missed)).toBeGreaterThan(0.9);
  });

  it('MoveNet MultiPose follows both people of the crossing video (one model run per frame)', () => {
    const id = withDb(
      (db) => (db.prepare("SELECT id FROM videos WHERE file_name = 'two.mp4'").get() as { id: number }).id,
    );
    const args = ['detect', String(id), '--model', 'movenet-multipose', '--people', 'multi'];
    const r = cli([...args, '--project', project, '--json'], env);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { runId: number; frames: number; inferences: number };
    expect(summary.inferences).toBe(75);
    const set = withDb((db) => loadRunPoseSet(db, summary.runId));
    expect(set.tracks.length).toBeGreaterThanOrEqual(2);
    const long = set.tracks.filter((t) => t.frames.length > 75 * 0.4);
    expect(long.length).toBeGreaterThanOrEqual(2);
  });

  it('resumes a killed multi-person detection: new ids after the checkpoint, no frame twice', async () => {
    const killed = await killAtFirstCheckpoint(
      spawnCli(['detect', '2', '--people', 'multi', '--project', project], env),
    );
    expect(killed).toBe(true);
    const job = withDb(
      (db) =>
        db
          .prepare("SELECT id, state, checkpoint FROM jobs WHERE kind = 'detect' ORDER BY id DESC LIMIT 1")
          .get() as { id: number; state: string; checkpoint: string },
    );
    expect(job.state).toBe('running');
    const cp = JSON.parse(job.checkpoint) as { runId: number; nextFrame: number; nextTrackId: number };
    expect(cp.nextFrame).toBeGreaterThan(0);
    expect(cp.nextFrame).toBeLessThan(LONG_FRAMES);
    const before = withDb((db) => loadRunPoseSet(db, cp.runId)).tracks;

    const resumed = cli(['jobs', '--resume', '--project', project], env);
    expect(resumed.stderr).not.toMatch(/error/);
    expect(resumed.code).toBe(0);
    const done = withDb(
      (db) =>
        db.prepare('SELECT state, result FROM jobs WHERE id = ?').get(job.id) as {
          state: string;
          result: string;
        },
    );
    expect(done.state).toBe('done');
    const result = JSON.parse(done.result) as { runId: number; posed: number };
    const set = withDb((db) => loadRunPoseSet(db, cp.runId));
    // Tracks committed before the kill are unchanged up to the checkpoint; the tracker restarted
    // there, so the one person continues under a new id.
    for (const t of before) {
      const after = set.tracks.find((u) => u.trackId === t.trackId)!;
      expect(Array.from(after.frames.subarray(0, t.frames.length))).toEqual(Array.from(t.frames));
    }
    expect(set.tracks.some((t) => t.trackId >= cp.nextTrackId && t.frames[0] >= cp.nextFrame)).toBe(true);
    const all = set.tracks.flatMap((t) => Array.from(t.frames)).sort((x, y) => x - y);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(result.posed);
    expect(all.length).toBeGreaterThan(LONG_FRAMES * 0.95);
  });

  it('refuses an unknown --people', () => {
    const r = cli(['detect', '1', '--people', 'crowd', '--project', project], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--people must be single or multi/);
  });
});

describe('pose files', () => {
  /** Two tracks sized for the 640x360, 50-frame video. */
  function cocoSet(lastFrame: number): PoseSet {
    const frames = Array.from({ length: lastFrame + 1 }, (_, f) => f).filter((f) => f % 7 !== 3);
    return {
      video: { width: 640, height: 360, fps: FPS, frameCount: 50, name: 'stand' },
      tracks: [0, 1].map((id) =>
        buildTrack(
          id,
          'coco17',
          frames.map((f) => syntheticRow(f, id)),
        ),
      ),
      provenance: { model: 'synthetic', params: {} },
    };
  }

  it('imports a COCO file written by the formats module and exports it back', () => {
    const set = cocoSet(49);
    const file = join(tmp.dir, 'stand_coco.json');
    writeCocoKeypoints(file, set);
    const r = cli(
      ['import-poses', file, '--video', '1', '--format', 'coco', '--project', project, '--json'],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as { id: number; source: string; model: string };
    expect(run).toMatchObject({ source: 'import', model: 'coco' });
    expectPoseSetsClose(
      withDb((db) => loadRunPoseSet(db, run.id)),
      set,
    );

    const out = join(tmp.dir, 'again.json');
    const e = cli(
      ['export-poses', String(run.id), '--format', 'coco', '--out', out, '--project', project],
      env,
    );
    expect(e.code).toBe(0);
    const again = cli(
      ['import-poses', out, '--video', '1', '--format', 'coco', '--project', project, '--json'],
      env,
    );
    expect(again.code).toBe(0);
    expectPoseSetsClose(
      withDb((db) => loadRunPoseSet(db, (JSON.parse(again.stdout) as { id: number }).id)),
      set,
    );
  });

  it('refuses poses beyond the video and writes nothing', () => {
    const file = join(tmp.dir, 'too_long_coco.json');
    writeCocoKeypoints(file, { ...cocoSet(80), video: { width: 640, height: 360, fps: FPS, name: 'stand' } });
    const before = counts();
    const r = cli(['import-poses', file, '--video', '1', '--format', 'coco', '--project', project], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/frame 5\d is beyond the video's last frame \(49\)|frames 0 to 49/);
    expect(counts()).toEqual(before);
  });
});
