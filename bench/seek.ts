/**
 * Seek latency as the player sees it: a `media.frame` request over web mode's WebSocket for a
 * random frame of a 1080p H.264 file, until the JPEG is received. Goal: p95 < 100 ms.
 *   npm run build && npx tsx bench/seek.ts
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { decodeMessage, encodeMessage } from '../src/shared/wire';
import { startWebServer } from '../src/main/web/server';
import { Workstation } from '../src/main/workstation';
import { cameraLikeVideo, JOB_WORKER, requireBuild, rng, summary, WORK_DIR } from './common';

requireBuild();
const video = cameraLikeVideo('seek-1080p30.mp4', 1920, 1080, 30, 30, 16);
const project = join(WORK_DIR, 'seek.kinema');
for (const f of [project, `${project}-wal`, `${project}-shm`]) rmSync(f, { force: true });
rmSync(join(WORK_DIR, 'cache'), { recursive: true, force: true });

const ws = new Workstation({ version: 'bench', workerPath: JOB_WORKER, cacheDir: join(WORK_DIR, 'cache') });
await ws.openProject(project, true);
const t0 = performance.now();
await ws.importVideos([video]);
await ws.whenIdle();
const importS = (performance.now() - t0) / 1000;
const server = await startWebServer(ws, { rendererDir: join(process.cwd(), 'out', 'renderer'), port: 0 });
const url = new URL(server.url);
const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${url.searchParams.get('token')}`);
await new Promise((r) => socket.once('open', r));

let id = 0;
function frame(n: number, exact = false): Promise<number> {
  const myId = ++id;
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const m = decodeMessage(new Uint8Array(data)) as {
        type: string;
        id: number;
        envelope: { ok: boolean; error?: { message: string } };
      };
      if (m.type !== 'response' || m.id !== myId) return;
      socket.off('message', onMessage);
      if (!m.envelope.ok) reject(new Error(m.envelope.error!.message));
      else resolve(performance.now() - start);
    };
    socket.on('message', onMessage);
    socket.send(
      encodeMessage({
        type: 'request',
        id: myId,
        name: 'media.frame',
        input: { videoId: 1, frame: n, maxSize: 1280, exact },
      }),
    );
  });
}

const [info] = (await import('../src/main/db/videos')).listVideos(ws.db);
const frames = info.frameCount;
const random = rng(42);
const randomFrames = Array.from({ length: 200 }, () => Math.floor(random() * frames));

const proxySeeks: number[] = [];
for (const n of randomFrames) proxySeeks.push(await frame(n));
const stepForward: number[] = [];
for (let n = 400; n < 500; n++) stepForward.push(await frame(n));
const stepBack: number[] = [];
for (let n = 700; n > 600; n--) stepBack.push(await frame(n));
const exactSeeks: number[] = [];
for (const n of randomFrames.slice(0, 40)) exactSeeks.push(await frame(n, true));

console.log(
  `\nSeek latency, ${info.width}x${info.height} H.264 ${info.fps} fps, ${frames} frames, GOP 250 (web-mode round trip, 1280 px JPEG)`,
);
console.log(`import (probe, index, hash, thumbnails, proxy): ${importS.toFixed(1)} s`);
console.log(`random seek (player, via seek proxy):  ${summary(proxySeeks)}`);
console.log(`step forward (arrow key):              ${summary(stepForward)}`);
console.log(`step backward:                         ${summary(stepBack)}`);
console.log(`random seek, exact from original file: ${summary(exactSeeks)}`);
socket.close();
await server.close();
await ws.closeProject();
