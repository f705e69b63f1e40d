/**
 * Pose storage: a track written in chunks (as detection commits it) and read back as a PoseSet is
 * bit-identical; appends keep frames increasing; deleting a run or its video removes everything.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/connection';
import * as posesDb from '../../src/main/db/poses';
import { insertVideo } from '../../src/main/db/videos';
import type { ProbeResult } from '../../src/main/media/probe';
import { buildTrack } from '../../src/shared/pose';
import { tempDir } from '../helpers/media';
import { expectPoseSetsClose, syntheticPoseSet, syntheticRow } from '../helpers/poses';

const tmp = tempDir('posestore-');
afterAll(() => tmp.cleanup());

const FRAMES = 5000;
const probe: ProbeResult = {
  path: '/videos/run.mp4',
  sizeBytes: 1000,
  mtimeMs: 1,
  formatName: 'mov',
  startTimeS: 0,
  durationS: FRAMES / 25,
  codec: 'h264',
  width: 1280,
  height: 720,
  fpsNum: 25,
  fpsDen: 1,
  fps: 25,
  declaredFrames: FRAMES,
  hasAudio: false,
  rotation: 0,
};

function setup(name: string) {
  const db = openDatabase(join(tmp.dir, `${name}.kinema`), { create: true });
  const videoId = insertVideo(db, probe, {
    frameTimes: Float64Array.from({ length: FRAMES }, (_, i) => i / 25),
    keyframes: new Uint32Array([0]),
  });
  return { db, videoId };
}

describe('pose storage', () => {
  it('round-trips a few thousand frames with gaps exactly, appended in detection-sized chunks', () => {
    const { db, videoId } = setup('roundtrip');
    const frames = Array.from({ length: FRAMES }, (_, f) => f).filter((f) => f % 97 !== 3);
    const track = buildTrack(
      0,
      'coco17',
      frames.map((f) => syntheticRow(f, 0)),
    );
    const runId = posesDb.createRun(db, {
      videoId,
      skeletonId: 'coco17',
      source: 'model',
      model: 'movenet-lightning',
      params: { inFrame: 0 },
    });
    posesDb.ensureTrack(db, runId, 0);
    const k = 17 * 3;
    for (let s = 0; s < frames.length; s += 256) {
      const e = Math.min(frames.length, s + 256);
      posesDb.appendPoseChunk(db, runId, 0, {
        frames: track.frames.slice(s, e),
        keypoints: track.keypoints.slice(s * k, e * k),
        boxes: track.boxes.slice(s * 4, e * 4),
        scores: track.scores.slice(s, e),
      });
    }
    const [run] = posesDb.listRuns(db, videoId);
    expect(run).toMatchObject({
      id: runId,
      videoId,
      skeletonId: 'coco17',
      source: 'model',
      params: { inFrame: 0 },
    });
    expect(run.tracks).toEqual([
      { trackId: 0, label: '', firstFrame: frames[0], lastFrame: frames.at(-1), frameCount: frames.length },
    ]);
    const set = posesDb.loadRunPoseSet(db, runId);
    expect(set.video).toMatchObject({ width: 1280, height: 720, fps: 25, frameCount: FRAMES });
    expect(set.tracks).toHaveLength(1);
    const got = set.tracks[0];
    expect(Buffer.from(got.frames.buffer).equals(Buffer.from(track.frames.buffer))).toBe(true);
    expect(Buffer.from(got.keypoints.buffer).equals(Buffer.from(track.keypoints.buffer))).toBe(true);
    expect(Buffer.from(got.boxes.buffer).equals(Buffer.from(track.boxes.buffer))).toBe(true);
    expect(Buffer.from(got.scores.buffer).equals(Buffer.from(track.scores.buffer))).toBe(true);
    // Chunks never hold more than 1024 frames.
    const big = db.prepare('SELECT max(frame_count) AS n FROM pose_chunks').get() as { n: number };
    expect(big.n).toBeLessThanOrEqual(posesDb.POSE_CHUNK_FRAMES);

    // A chunk that does not start after the last stored frame is refused (no duplicated frames).
    expect(() =>
      posesDb.appendPoseChunk(db, runId, 0, {
        frames: track.frames.slice(-2),
        keypoints: track.keypoints.slice(-2 * k),
        boxes: track.boxes.slice(-8),
        scores: track.scores.slice(-2),
      }),
    ).toThrow(/already has frames up to/);
    db.close();
  });

  it('stores a whole PoseSet with several tracks and deletes it with its run or video', () => {
    const { db, videoId } = setup('set');
    const set = syntheticPoseSet();
    const runId = posesDb.storePoseSet(db, videoId, set, { source: 'import', model: 'coco' });
    expectPoseSetsClose(posesDb.loadRunPoseSet(db, runId), set);
    expect(posesDb.getRun(db, runId).tracks.map((t) => t.frameCount)).toEqual([16, 8]);
    expect(posesDb.deleteRun(db, runId)).toBe(true);
    expect(posesDb.deleteRun(db, runId)).toBe(false);
    expect(db.prepare('SELECT count(*) AS n FROM pose_chunks').get()).toEqual({ n: 0 });
    posesDb.storePoseSet(db, videoId, set, { source: 'import', model: 'coco' });
    db.prepare('DELETE FROM videos WHERE id = ?').run(videoId);
    expect(db.prepare('SELECT count(*) AS n FROM pose_tracks').get()).toEqual({ n: 0 });
    expect(() => posesDb.getRun(db, runId)).toThrow(/does not exist/);
    db.close();
  });
});
