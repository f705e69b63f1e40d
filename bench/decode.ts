/**
 * Decode-to-RGB throughput: 720p H.264 streamed to 256x256 RGB24 (the pose detector's input).
 * Goal: ≥ 250 fps on 2 cores.
 *   npx tsx bench/decode.ts
 */
import { indexFrames, probeVideo } from '../src/main/media/probe';
import { streamRgbFrames, type FitMode } from '../src/main/media/decode';
import { cameraLikeVideo } from './common';

const video = cameraLikeVideo('decode-720p30.mp4', 1280, 720, 30, 30, 8);
const probe = await probeVideo(video);
const total = (await indexFrames(probe)).frameTimes.length;

async function run(fit: FitMode, decode: 'fast' | 'exact'): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  let checksum = 0;
  const frames = streamRgbFrames({
    path: video,
    seekS: 0,
    frames: total,
    width: 256,
    height: 256,
    fit,
    decode,
  });
  for await (const rgb of frames) {
    checksum += rgb[rgb.length >> 1];
    n++;
  }
  if (n !== total) throw new Error(`decoded ${n} of ${total} frames`);
  void checksum;
  return n / ((performance.now() - t0) / 1000);
}

console.log(
  `\nDecode to RGB, ${probe.width}x${probe.height} H.264 → 256x256, ${total} frames (${video.split('/').pop()})`,
);
for (const decode of ['fast', 'exact'] as const) {
  for (const fit of ['letterbox', 'stretch'] as FitMode[]) {
    const runs = [await run(fit, decode), await run(fit, decode), await run(fit, decode)];
    const label = `${fit}, ${decode === 'fast' ? 'fast (no deblocking)' : 'exact'}`;
    const all = runs.map((r) => r.toFixed(0)).join(', ');
    console.log(`${label.padEnd(32)} ${Math.max(...runs).toFixed(0)} fps best of 3 (${all})`);
  }
}
