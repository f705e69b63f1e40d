/**
 * The editor through the requests, as both transports call them (handleRequest on a Workstation):
 * an editable copy of a run, edits on a multi-chunk track, undo and redo to the exact bytes, the
 * history across closing and reopening the project, refusals that change nothing, problems,
 * preview, and exports with and without corrections.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../../src/main/api/handlers';
import type { Db } from '../../../src/main/db/connection';
import { POSE_FORMATS, readPoses } from '../../../src/main/formats/by-name';
import { editRequests } from '../../../src/shared/contract-edits';
import { Workstation } from '../../../src/main/workstation';
import { PROVENANCE } from '../../../src/shared/editing';
import { tempDir } from '../../helpers/media';
import { FRAMES, fakeVideo, storeModelRun } from './fixtures';
import { J, K, pointAt } from './helpers';

const tmp = tempDir('edits-api-');
afterAll(() => tmp.cleanup());

async function setup(name: string) {
  const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
  const project = join(tmp.dir, `${name}.kinema`);
  await ws.openProject(project, true);
  const videoId = fakeVideo(ws.db, join(tmp.dir, `${name}.mp4`));
  const runId = storeModelRun(ws.db, videoId);
  const events: unknown[] = [];
  ws.on('poses.changed', (e) => events.push(e));
  const call = async (request: string, input: unknown) => {
    const r = await handleRequest(ws, request, input);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as Record<string, unknown> & { [key: string]: never };
  };
  const refused = async (request: string, input: unknown) => {
    const r = await handleRequest(ws, request, input);
    if (r.ok) throw new Error(`${request} was not refused`);
    return r.error;
  };
  return { ws, project, videoId, runId, events, call, refused };
}

/** Every stored byte of a run's tracks and chunks, for exact comparisons. */
function runBytes(db: Db, runId: number) {
  return {
    tracks: db
      .prepare(
        'SELECT track_id, label, first_frame, last_frame, frame_count FROM pose_tracks WHERE run_id = ? ORDER BY track_id',
      )
      .all(runId),
    data: db
      .prepare(
        `SELECT t.track_id, group_concat(hex(c.frames), '') AS frames, group_concat(hex(c.keypoints), '') AS keypoints,
                group_concat(hex(c.boxes), '') AS boxes, group_concat(hex(c.scores), '') AS scores,
                group_concat(hex(coalesce(c.provenance, zeroblob(c.frame_count * ${K}))), '') AS provenance,
                group_concat(hex(coalesce(c.frame_flags, zeroblob(c.frame_count))), '') AS flags
         FROM pose_tracks t JOIN (SELECT * FROM pose_chunks ORDER BY track_row, first_frame) c ON c.track_row = t.id
         WHERE t.run_id = ? GROUP BY t.track_id ORDER BY t.track_id`,
      )
      .all(runId),
  };
}

/** The stored chunks keep their invariants: ≤ 1024 frames, increasing, counts that add up. */
function checkChunks(db: Db, runId: number): void {
  const tracks = db
    .prepare('SELECT id, frame_count, first_frame, last_frame FROM pose_tracks WHERE run_id = ?')
    .all(runId) as {
    id: number;
    frame_count: number;
    first_frame: number;
    last_frame: number;
  }[];
  for (const t of tracks) {
    const chunks = db
      .prepare(
        'SELECT first_frame, frame_count, frames FROM pose_chunks WHERE track_row = ? ORDER BY first_frame',
      )
      .all(t.id) as { first_frame: number; frame_count: number; frames: Buffer }[];
    let total = 0;
    let last = -1;
    for (const c of chunks) {
      expect(c.frame_count).toBeLessThanOrEqual(1024);
      const frames = Array.from({ length: c.frame_count }, (_, i) => c.frames.readInt32LE(i * 4));
      expect(frames[0]).toBe(c.first_frame);
      for (const f of frames) {
        expect(f).toBeGreaterThan(last);
        last = f;
      }
      total += c.frame_count;
    }
    expect(total).toBe(t.frame_count);
    expect(chunks[0].first_frame).toBe(t.first_frame);
    expect(last).toBe(t.last_frame);
  }
}

function keypointOf(db: Db, runId: number, trackId: number, frame: number, joint: number): number[] {
  const chunks = db
    .prepare(
      'SELECT c.frames, c.keypoints FROM pose_chunks c JOIN pose_tracks t ON c.track_row = t.id WHERE t.run_id = ? AND t.track_id = ?',
    )
    .all(runId, trackId) as { frames: Buffer; keypoints: Buffer }[];
  for (const c of chunks)
    for (let i = 0; i * 4 < c.frames.length; i++)
      if (c.frames.readInt32LE(i * 4) === frame)
        return [0, 1, 2].map((d) => c.keypoints.readFloatLE(((i * K + joint) * 3 + d) * 4));
  throw new Error(`no frame ${frame}`);
}

describe('edit requests', () => {
  it('open a copy, edit across chunks, undo to the exact bytes, redo, and drop redo entries on a new edit', async () => {
    const { ws, videoId, runId, events, call, refused } = await setup('edit');
    const sourceBytes = runBytes(ws.db, runId);
    const opened = await call('edits.open', { runId });
    expect(opened).toMatchObject({
      created: true,
      canUndo: false,
      canRedo: false,
      run: {
        source: 'edit',
        sourceRunId: runId,
        videoId,
        tracks: [
          { trackId: 0, frameCount: 2500 },
          { trackId: 1, frameCount: 100 },
        ],
      },
    });
    expect(events).toEqual([{ videoId }]);
    const editId = (opened.run as unknown as { id: number }).id;
    expect(await call('edits.open', { runId })).toMatchObject({ created: false, run: { id: editId } });
    expect(await call('edits.open', { runId: editId })).toMatchObject({
      created: false,
      run: { id: editId },
    });
    const original = runBytes(ws.db, editId);
    expect(original.data).toEqual(sourceBytes.data);

    const knee = J('left_knee');
    const moved = await call('edits.apply', {
      runId: editId,
      edit: { action: 'moveKeypoint', trackId: 0, frame: 1500, joint: knee, x: 640.5, y: 360.25 },
    });
    expect(moved).toMatchObject({
      runId: editId,
      videoId,
      entry: { action: 'moveKeypoint', summary: 'Move left knee (track 0, frame 1500)', undone: false },
      changed: [{ trackId: 0, inFrame: 1500, outFrame: 1501 }],
      canUndo: true,
      canRedo: false,
      undoSummary: 'Move left knee (track 0, frame 1500)',
    });
    expect(events).toHaveLength(2);
    expect(keypointOf(ws.db, editId, 0, 1500, knee)).toEqual([640.5, 360.25, 1]);
    const prov = await call('edits.provenance', { runId: editId, trackId: 0, inFrame: 1499, outFrame: 1502 });
    expect(prov.jointCount).toBe(K);
    expect(Array.from(new Int32Array((prov.frames as unknown as Uint8Array).slice().buffer))).toEqual([
      1499, 1500, 1501,
    ]);
    const codes = prov.provenance as unknown as Uint8Array;
    expect(codes[K + knee]).toBe(PROVENANCE.human);
    expect(Array.from(codes).filter((c) => c !== 0)).toEqual([PROVENANCE.human]);
    expect(prov.keyframes).toEqual([1500]);

    // Edits that cross stored chunk boundaries (chunks of 1024 frames) and change the tracks.
    await call('edits.apply', {
      runId: editId,
      edit: { action: 'deleteRange', trackId: 0, inFrame: 1000, outFrame: 1100 },
    });
    await call('edits.apply', {
      runId: editId,
      edit: { action: 'swapLeftRight', trackId: 0, inFrame: 2000, outFrame: 2100 },
    });
    await call('edits.apply', { runId: editId, edit: { action: 'splitTrack', trackId: 0, frame: 2200 } });
    await call('edits.apply', {
      runId: editId,
      edit: { action: 'fillGap', trackId: 0, frame: 1050, method: 'smooth' },
    });
    await call('edits.apply', {
      runId: editId,
      edit: {
        action: 'reassignRange',
        trackId: 1,
        inFrame: 150,
        outFrame: 200,
        toTrackId: 0,
        conflict: 'swap',
      },
    });
    checkChunks(ws.db, editId);
    const edited = runBytes(ws.db, editId);
    expect(edited.tracks.map((t) => (t as { track_id: number }).track_id)).toEqual([0, 1, 2]);
    expect(keypointOf(ws.db, editId, 2, 2300, 0)).toEqual(keypointOf(ws.db, runId, 0, 2300, 0));
    // The source run never changes.
    expect(runBytes(ws.db, runId)).toEqual(sourceBytes);

    const history = await call('edits.history', { runId: editId });
    expect((history.entries as unknown as { action: string }[]).map((e) => e.action)).toEqual([
      'moveKeypoint',
      'deleteRange',
      'swapLeftRight',
      'splitTrack',
      'fillGap',
      'reassignRange',
    ]);
    for (let i = 0; i < 6; i++) {
      const undone = await call('edits.undo', { runId: editId });
      expect(undone.entry).toMatchObject({ undone: true });
      checkChunks(ws.db, editId);
    }
    expect(runBytes(ws.db, editId)).toEqual(original);
    expect(await refused('edits.undo', { runId: editId })).toEqual({
      code: 'NOTHING_TO_UNDO',
      message: 'Nothing to undo.',
    });
    for (let i = 0; i < 6; i++) await call('edits.redo', { runId: editId });
    expect(runBytes(ws.db, editId)).toEqual(edited);
    expect(await refused('edits.redo', { runId: editId })).toMatchObject({ code: 'NOTHING_TO_REDO' });

    // Undo two, then a new edit: the two undone entries are gone.
    await call('edits.undo', { runId: editId });
    await call('edits.undo', { runId: editId });
    expect(await call('edits.history', { runId: editId })).toMatchObject({
      canRedo: true,
      redoSummary: expect.stringMatching(/^Fill gap/),
    });
    await call('edits.apply', {
      runId: editId,
      edit: { action: 'setKeyframe', trackId: 0, frame: 10, keyframe: true },
    });
    const after = await call('edits.history', { runId: editId });
    expect(after).toMatchObject({ canUndo: true, canRedo: false });
    expect(
      (after.entries as unknown as { action: string; undone: boolean }[]).map((e) => [e.action, e.undone]),
    ).toEqual([
      ['moveKeypoint', false],
      ['deleteRange', false],
      ['swapLeftRight', false],
      ['splitTrack', false],
      ['setKeyframe', false],
    ]);
    // An edit that changes nothing makes no entry.
    expect(
      await call('edits.apply', {
        runId: editId,
        edit: { action: 'setKeyframe', trackId: 0, frame: 10, keyframe: true },
      }),
    ).toMatchObject({ entry: null, changed: [] });
    await ws.closeProject();
  });

  it('keeps the history and the edits across closing and reopening the project', async () => {
    const { ws, project, runId, call } = await setup('reopen');
    const { run } = (await call('edits.open', { runId })) as unknown as { run: { id: number } };
    const original = runBytes(ws.db, run.id);
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'moveKeypoint', trackId: 0, frame: 5, joint: 0, x: 1, y: 2 },
    });
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'deleteRange', trackId: 0, inFrame: 10, outFrame: 20 },
    });
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'mergeTracks', trackId: 0, otherTrackId: 1, overlap: 'keep-first' },
    });
    await call('edits.undo', { runId: run.id });
    const edited = runBytes(ws.db, run.id);
    const history = await call('edits.history', { runId: run.id });
    await ws.closeProject();

    await ws.openProject(project);
    expect(await call('edits.history', { runId: run.id })).toEqual(history);
    expect(runBytes(ws.db, run.id)).toEqual(edited);
    expect(await call('edits.redo', { runId: run.id })).toMatchObject({
      entry: { action: 'mergeTracks', undone: false },
    });
    expect(runBytes(ws.db, run.id).tracks).toHaveLength(1);
    for (let i = 0; i < 3; i++) await call('edits.undo', { runId: run.id });
    expect(runBytes(ws.db, run.id)).toEqual(original);
    await ws.closeProject();
  });

  it('refuses bad requests with a message and changes nothing', async () => {
    const { ws, runId, call, refused } = await setup('refuse');
    const { run } = (await call('edits.open', { runId })) as unknown as { run: { id: number } };
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'moveKeypoint', trackId: 0, frame: 5, joint: 0, x: 1, y: 2 },
    });
    const bytes = runBytes(ws.db, run.id);
    const history = await call('edits.history', { runId: run.id });

    expect(
      await refused('edits.apply', { runId, edit: { action: 'deletePerson', trackId: 0, frame: 3 } }),
    ).toEqual({
      code: 'NOT_EDITABLE',
      message: `Pose run ${runId} is not an edit run (its source is 'model'); open an editable copy of it first (edits.open).`,
    });
    expect(
      await refused('edits.apply', {
        runId: run.id,
        edit: { action: 'moveKeypoint', trackId: 0, frame: 5, joint: 0, x: 'a', y: 2 },
      }),
    ).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^Invalid edits\.apply request: edit\.x: /),
    });
    expect(
      await refused('edits.apply', { runId: run.id, edit: { action: 'warp', trackId: 0 } }),
    ).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(
      await refused('edits.apply', {
        runId: run.id,
        edit: { action: 'moveKeypoint', trackId: 0, frame: 5, joint: 40, x: 1, y: 2 },
      }),
    ).toEqual({ code: 'BAD_EDIT', message: 'Joint 40 is out of range: coco17 has joints 0 to 16.' });
    expect(
      await refused('edits.apply', {
        runId: run.id,
        edit: { action: 'mergeTracks', trackId: 0, otherTrackId: 1 },
      }),
    ).toMatchObject({
      code: 'BAD_EDIT',
      message: expect.stringMatching(/^Tracks 0 and 1 both have poses at 100 frames \(100–199\)/),
    });
    expect(
      await refused('edits.apply', {
        runId: run.id,
        edit: { action: 'deleteRange', trackId: 0, inFrame: 2900, outFrame: 3100 },
      }),
    ).toEqual({
      code: 'BAD_EDIT',
      message: 'Frames 2900–3099 are outside the video, which has frames 0 to 2999.',
    });
    expect(await refused('edits.undo', { runId })).toMatchObject({ code: 'NOT_EDITABLE' });
    expect(await refused('edits.open', { runId: 999 })).toEqual({
      code: 'NOT_FOUND',
      message: 'Pose run 999 does not exist.',
    });
    expect(await refused('edits.provenance', { runId: run.id, trackId: 7 })).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(runBytes(ws.db, run.id)).toEqual(bytes);
    expect(await call('edits.history', { runId: run.id })).toEqual(history);
    await ws.closeProject();
  });

  it('previews without writing, lists problems and actions', async () => {
    const { ws, runId, call } = await setup('problems');
    const { run } = (await call('edits.open', { runId })) as unknown as { run: { id: number } };
    const bytes = runBytes(ws.db, run.id);
    const preview = await call('edits.preview', {
      runId: run.id,
      edit: { action: 'filterRange', trackId: 0, inFrame: 100, outFrame: 110, filter: 'median' },
    });
    expect(preview.summary).toBe('Smooth median 5 (track 0, frames 100–109)');
    expect(runBytes(ws.db, run.id)).toEqual(bytes);
    // The contract's export formats are the writers' formats.
    expect(editRequests['edits.exportPoses'].input.shape.format.options).toEqual([...POSE_FORMATS]);
    const actions = await call('edits.actions', {});
    expect((actions.actions as unknown as { name: string }[]).length).toBe(14);
    expect(actions.provenance).toEqual(['model', 'human', 'interpolated', 'filtered', 'seeded-by-model']);

    expect(await call('edits.problems', { runId: run.id })).toEqual([]);
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'deleteRange', trackId: 0, inFrame: 40, outFrame: 45 },
    });
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'swapLeftRight', trackId: 1, inFrame: 150, outFrame: 160 },
    });
    expect(await call('edits.problems', { runId: run.id })).toEqual([
      { trackId: 0, kind: 'gap', inFrame: 40, outFrame: 45, reason: 'No pose for 5 frames (frames 40–44).' },
      expect.objectContaining({ trackId: 1, kind: 'swap', inFrame: 150, outFrame: 160 }),
    ]);
    expect(await call('edits.problems', { runId: run.id, trackId: 1, kinds: ['gap'] })).toEqual([]);
    await ws.closeProject();
  });

  it('exports with and without the corrections', async () => {
    const { ws, runId, call } = await setup('export');
    const { run } = (await call('edits.open', { runId })) as unknown as { run: { id: number } };
    const knee = J('left_knee');
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'moveKeypoint', trackId: 0, frame: 7, joint: knee, x: 50, y: 60 },
    });
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'swapLeftRight', trackId: 0, inFrame: 20, outFrame: 30 },
    });
    await call('edits.apply', {
      runId: run.id,
      edit: { action: 'deleteRange', trackId: 0, inFrame: 2490, outFrame: 2500 },
    });
    await call('edits.apply', {
      runId: run.id,
      edit: {
        action: 'addPerson',
        trackId: 0,
        frame: 2600,
        box: [10, 10, 100, 300],
        keypoints: Array.from({ length: K * 3 }, (_, i) => (i % 3 === 2 ? 0.9 : 50 + i)),
      },
    });
    const video = { width: 1280, height: 720, fps: 25, frameCount: FRAMES };
    const withPath = join(tmp.dir, 'with.csv');
    const withoutPath = join(tmp.dir, 'without.csv');
    expect(
      await call('edits.exportPoses', {
        runId: run.id,
        format: 'csv',
        corrections: 'include',
        outPath: withPath,
      }),
    ).toEqual({
      path: withPath,
    });
    await call('edits.exportPoses', {
      runId: run.id,
      format: 'csv',
      corrections: 'exclude',
      outPath: withoutPath,
    });
    const withSet = readPoses('csv', withPath, video);
    const withoutSet = readPoses('csv', withoutPath, video);
    const at = (set: typeof withSet, f: number, j: number) => {
      const t = set.tracks.find((tr) => tr.trackId === 0)!;
      const i = t.frames.indexOf(f);
      return i < 0 ? null : Array.from(t.keypoints.subarray((i * K + j) * 3, (i * K + j) * 3 + 2));
    };
    expect(at(withSet, 7, knee)).toEqual([50, 60]);
    expect(at(withoutSet, 7, knee)![0]).toBeCloseTo(pointAt(7, knee)[0], 3);
    expect(at(withSet, 25, knee)![0]).toBeCloseTo(pointAt(25, J('right_knee'))[0], 3);
    expect(at(withoutSet, 25, knee)![0]).toBeCloseTo(pointAt(25, knee)[0], 3);
    expect(at(withSet, 2600, 0)).toEqual([50, 51]);
    expect(at(withoutSet, 2600, 0)).toBeNull();
    expect(at(withoutSet, 2495, 0)).toBeNull();
    expect(withoutSet.tracks.find((t) => t.trackId === 0)!.frames.length).toBe(2490);
    await ws.closeProject();
  });
});
