/**
 * Model-assisted fixes on a real person (makePersonVideo: the woman of @vladmandic/human's
 * samples.jpg standing on grey): MoveNet re-run from a corrected box, propagation of a pose
 * forward, a person added by box; each recorded as one undoable edit with provenance
 * 'seeded-by-model', and refused with a message when it cannot run.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../../src/main/api/handlers';
import { storePoseSet } from '../../../src/main/db/poses';
import { insertVideo } from '../../../src/main/db/videos';
import { indexFrames, probeVideo } from '../../../src/main/media/probe';
import { Workstation } from '../../../src/main/workstation';
import { buildTrack } from '../../../src/shared/pose';
import { KEYFRAME, PROVENANCE } from '../../../src/shared/editing';
import { makePersonVideo, tempDir } from '../../helpers/media';
import { K, range } from './helpers';

const tmp = tempDir('edits-assist-');
afterAll(() => tmp.cleanup());

// The person's picture covers x 160–472, y 24–336 of the 640×360 frame.
const BOX: [number, number, number, number] = [160, 24, 312, 312];

describe('model-assisted fixes', () => {
  it('re-runs MoveNet from a box, propagates a pose, adds a person, and undoes each', async () => {
    const video = makePersonVideo(join(tmp.dir, 'person.mp4'), { seconds: 2, fps: 25 });
    const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
    await ws.openProject(join(tmp.dir, 'assist.kinema'), true);
    const probe = await probeVideo(video.path);
    const videoId = insertVideo(ws.db, probe, await indexFrames(probe));
    // A wrong detection: every keypoint in the bottom right corner.
    const wrong = (frame: number) => ({
      frame,
      keypoints: Array.from({ length: K * 3 }, (_, i) => (i % 3 === 0 ? 600 : i % 3 === 1 ? 340 : 0.5)),
      box: [590, 330, 20, 20],
      score: 0.5,
    });
    const runId = storePoseSet(
      ws.db,
      videoId,
      {
        video: { width: 640, height: 360, fps: 25, frameCount: 50 },
        tracks: [buildTrack(0, 'coco17', range(0, 50).map(wrong))],
        provenance: { model: 'movenet-lightning', params: {} },
      },
      { source: 'model', model: 'movenet-lightning' },
    );
    const call = async (name: string, input: unknown) => {
      const r = await handleRequest(ws, name, input);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as Record<string, unknown>;
    };
    const { run } = (await call('edits.open', { runId })) as { run: { id: number } };
    const tracks = async () => {
      const t = (await call('poses.tracks', { runId: run.id })) as {
        tracks: { trackId: number; frames: Uint8Array; keypoints: Uint8Array }[];
      };
      return t.tracks.map((tr) => ({
        trackId: tr.trackId,
        frames: Array.from(new Int32Array(tr.frames.slice().buffer)),
        keypoints: new Float32Array(tr.keypoints.slice().buffer),
      }));
    };
    const original = await tracks();
    /** Mean position and score of a frame's keypoints. */
    const summary = (t: { frames: number[]; keypoints: Float32Array }, f: number) => {
      const i = t.frames.indexOf(f);
      let [x, y, s] = [0, 0, 0];
      for (let j = 0; j < K; j++) {
        x += t.keypoints[(i * K + j) * 3] / K;
        y += t.keypoints[(i * K + j) * 3 + 1] / K;
        s += t.keypoints[(i * K + j) * 3 + 2] / K;
      }
      return { x, y, s };
    };
    const onPerson = (p: { x: number; y: number; s: number }) =>
      p.x > BOX[0] && p.x < BOX[0] + BOX[2] && p.y > BOX[1] && p.y < BOX[1] + BOX[3] && p.s > 0.3;
    const codes = async (trackId: number, inFrame: number, outFrame: number) => {
      const p = (await call('edits.provenance', { runId: run.id, trackId, inFrame, outFrame })) as {
        provenance: Uint8Array;
        flags: Uint8Array;
      };
      return { provenance: Array.from(p.provenance), flags: Array.from(p.flags) };
    };

    const rerun = await call('edits.assist', {
      mode: 'rerun',
      runId: run.id,
      trackId: 0,
      inFrame: 10,
      outFrame: 20,
      box: BOX,
    });
    expect(rerun).toMatchObject({
      entry: {
        action: 'setPoses',
        summary: 'Re-run movenet-lightning from a box (track 0, 10 frames in frames 10–19)',
      },
      changed: [{ trackId: 0, inFrame: 10, outFrame: 20 }],
    });
    let now = (await tracks())[0];
    for (const f of range(10, 20)) expect(onPerson(summary(now, f)), `frame ${f}`).toBe(true);
    expect(onPerson(summary(now, 9))).toBe(false);
    expect(onPerson(summary(now, 20))).toBe(false);
    expect((await codes(0, 10, 20)).provenance).toEqual(
      new Array(10 * K).fill(PROVENANCE['seeded-by-model']),
    );
    expect((await codes(0, 20, 21)).provenance).toEqual(new Array(K).fill(PROVENANCE.model));

    // Propagate the (now right) pose of frame 19 forward, stopping at the keyframe at 30.
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'setKeyframe', trackId: 0, frame: 30, keyframe: true },
    });
    const propagated = await call('edits.assist', {
      mode: 'propagate',
      runId: run.id,
      trackId: 0,
      frame: 19,
    });
    expect(propagated).toMatchObject({
      entry: { summary: 'Propagate frame 19 with movenet-lightning (track 0, 10 frames in frames 20–29)' },
    });
    now = (await tracks())[0];
    for (const f of range(20, 30)) expect(onPerson(summary(now, f)), `frame ${f}`).toBe(true);
    expect(onPerson(summary(now, 30))).toBe(false);

    // A new person by box.
    const added = await call('edits.assist', {
      mode: 'addPerson',
      runId: run.id,
      trackId: 4,
      frame: 40,
      box: BOX,
    });
    expect(added).toMatchObject({ entry: { action: 'addPerson', summary: 'Add track 4 at frame 40' } });
    const four = (await tracks()).find((t) => t.trackId === 4)!;
    expect(four.frames).toEqual([40]);
    expect(onPerson(summary(four, 40))).toBe(true);
    expect(await codes(4, 40, 41)).toEqual({
      provenance: new Array(K).fill(PROVENANCE['seeded-by-model']),
      flags: [KEYFRAME],
    });

    // Refusals, before any decoding.
    const refuse = (input: unknown) => handleRequest(ws, 'edits.assist', input);
    expect(
      await refuse({
        mode: 'rerun',
        runId: run.id,
        trackId: 0,
        inFrame: 0,
        outFrame: 49,
        box: BOX,
        model: 'blazepose-full',
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'MODEL_NOT_SUPPORTED', message: expect.stringMatching(/single-pose MoveNet/) },
    });
    expect(
      await refuse({ mode: 'rerun', runId: run.id, trackId: 0, inFrame: 0, outFrame: 60, box: BOX }),
    ).toMatchObject({
      ok: false,
      error: { code: 'BAD_EDIT', message: 'Frames 0–59 are outside the video, which has frames 0 to 49.' },
    });
    expect(await refuse({ mode: 'propagate', runId: run.id, trackId: 0, frame: 29 })).toMatchObject({
      ok: false,
      error: { message: 'Frame 30 is a keyframe: there is nothing to propagate into.' },
    });
    expect(await refuse({ mode: 'addPerson', runId: run.id, trackId: 0, frame: 5, box: BOX })).toMatchObject({
      ok: false,
      error: { message: 'Track 0 already has a pose at frame 5; move its keypoints, or delete it first.' },
    });

    for (let i = 0; i < 4; i++) await call('edits.undo', { runId: run.id });
    expect(await tracks()).toEqual(original);
    await ws.closeProject();
  });
});
