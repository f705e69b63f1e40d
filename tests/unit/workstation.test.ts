import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { insertVideo, listVideos, setVideoStatus } from '../../src/main/db/videos';
import { indexFrames, probeVideo } from '../../src/main/media/probe';
import { Workstation } from '../../src/main/workstation';
import { makeVideo, tempDir } from '../helpers/media';

const tmp = tempDir('workstation-');
afterAll(() => tmp.cleanup());

describe('workstation', () => {
  it('marks a video missing when its file is gone, and ready when it is back', async () => {
    const path = makeVideo(join(tmp.dir, 'serve.mp4'));
    const project = join(tmp.dir, 'p.kinema');
    const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
    await ws.openProject(project, true);
    const probe = await probeVideo(path);
    const id = insertVideo(ws.db, probe, await indexFrames(probe));
    setVideoStatus(ws.db, id, 'ready');
    await ws.closeProject();

    renameSync(path, `${path}.moved`);
    await ws.openProject(project);
    expect(listVideos(ws.db)[0].status).toBe('missing');
    await expect(ws.frame({ videoId: id, frame: 0 })).rejects.toThrow(/moved or deleted/);
    await ws.closeProject();

    renameSync(`${path}.moved`, path);
    await ws.openProject(project);
    expect(listVideos(ws.db)[0].status).toBe('ready');
    await ws.closeProject();
  });
});
