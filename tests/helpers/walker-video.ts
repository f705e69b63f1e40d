/**
 * A video of the synthetic walker (walker.ts): its COCO-17 skeleton drawn as thick limbs (left
 * side darker than the right, a round head) over a fixed textured background, so crops around it
 * show the pose and optical flow sees the limbs move. The rows' keypoints are scaled by `scale`
 * into the video's pixels and returned with it (they are the video's exact poses).
 */
import { spawnSync } from 'node:child_process';
import { ffmpegPaths } from '../../src/main/media/ffmpeg';
import type { PoseRow } from '../../src/shared/pose';
import { getSkeleton } from '../../src/shared/skeletons';

export function makeWalkerVideo(
  path: string,
  rows: readonly PoseRow[],
  o: { width?: number; height?: number; fps?: number; scale?: number } = {},
): { path: string; rows: PoseRow[] } {
  const W = o.width ?? 640;
  const H = o.height ?? 360;
  const fps = o.fps ?? 30;
  const s = o.scale ?? 0.5;
  const links = getSkeleton('coco17').links;
  const scaled = rows.map((r) => ({
    ...r,
    keypoints: Float32Array.from(r.keypoints, (v, i) => (i % 3 === 2 ? v : v * s)),
    box: Float32Array.from(r.box, (v) => v * s),
  }));
  const background = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = 90 + 25 * Math.sin(x * 0.21) * Math.cos(y * 0.17) + 15 * Math.sin((x + y) * 0.05);
      background.fill(Math.round(v), (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  const frames = Buffer.alloc(W * H * 3 * scaled.length);
  const radius = 9 * s * 2;
  scaled.forEach((r, f) => {
    const img = frames.subarray(f * W * H * 3, (f + 1) * W * H * 3);
    img.set(background);
    const kp = r.keypoints;
    const capsule = (a: number, b: number, rad: number, colour: [number, number, number]) => {
      const ax = kp[a * 3];
      const ay = kp[a * 3 + 1];
      const bx = kp[b * 3];
      const by = kp[b * 3 + 1];
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - rad));
      const x1 = Math.min(W - 1, Math.ceil(Math.max(ax, bx) + rad));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - rad));
      const y1 = Math.min(H - 1, Math.ceil(Math.max(ay, by) + rad));
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy || 1;
      for (let y = y0; y <= y1; y++)
        for (let x = x0; x <= x1; x++) {
          const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
          if (Math.hypot(x - ax - t * dx, y - ay - t * dy) <= rad) img.set(colour, (y * W + x) * 3);
        }
    };
    const joints = getSkeleton('coco17').joints;
    for (const [a, b] of links) {
      const left = joints[a].startsWith('left') || joints[b].startsWith('left');
      capsule(a, b, radius, left ? [200, 120, 60] : [240, 220, 180]);
    }
    capsule(0, 0, radius * 2, [230, 190, 160]);
  });
  const ff = spawnSync(
    ffmpegPaths().ffmpegPath,
    [
      '-v',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${W}x${H}`,
      '-r',
      String(fps),
      '-i',
      '-',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv420p',
      path,
    ],
    { input: frames, maxBuffer: 1 << 26 },
  );
  if (ff.status !== 0) throw new Error(`ffmpeg failed: ${ff.stderr?.toString()}`);
  return { path, rows: scaled };
}
