/**
 * Pose tracks as the overlay draws them: the wire's little-endian byte arrays turned into typed
 * arrays once, plus the lookups a frame draw needs (binary search by frame, coverage runs).
 */
import type { RequestOutput } from '../../../shared/contract';

export type PoseTracksReply = RequestOutput<'poses.tracks'>;

export interface DecodedTrack {
  trackId: number;
  /** Frame indices with a pose, ascending. */
  frames: Int32Array;
  /** frames × K × 3: x, y in source-video pixels, score 0-1. */
  keypoints: Float32Array;
  /** frames × 4: x, y, w, h in source-video pixels. */
  boxes: Float32Array;
  scores: Float32Array;
  /** Runs of consecutive frames as [first, lastInclusive] pairs, flattened. */
  segments: Int32Array;
}

export interface RunData {
  runId: number;
  skeletonId: string;
  joints: string[];
  links: [number, number][];
  /** Keypoints per pose. */
  k: number;
  tracks: DecodedTrack[];
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A view of `bytes` as 4-byte elements; copies when the bytes are not 4-aligned in their buffer. */
function view<T extends Float32Array | Int32Array>(
  bytes: Uint8Array,
  make: (buffer: ArrayBuffer, offset: number, length: number) => T,
): T {
  const length = Math.floor(bytes.byteLength / 4);
  let source = bytes;
  if (bytes.byteOffset % 4 !== 0) source = bytes.slice(0, length * 4);
  const out = make(source.buffer as ArrayBuffer, source.byteOffset, length);
  if (!littleEndian) {
    // Big-endian hosts (none in practice): swap each element's bytes in a private copy.
    const dv = new DataView(bytes.buffer, bytes.byteOffset, length * 4);
    const copy = make(new ArrayBuffer(length * 4), 0, length);
    const isFloat = copy instanceof Float32Array;
    for (let i = 0; i < length; i++)
      copy[i] = isFloat ? dv.getFloat32(i * 4, true) : dv.getInt32(i * 4, true);
    return copy;
  }
  return out;
}

const floats = (bytes: Uint8Array) => view(bytes, (b, o, n) => new Float32Array(b, o, n));
const ints = (bytes: Uint8Array) => view(bytes, (b, o, n) => new Int32Array(b, o, n));

/** [first, last] pairs of consecutive frame runs. */
export function frameSegments(frames: Int32Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < frames.length; i++) {
    if (i === 0 || frames[i] !== frames[i - 1] + 1) {
      if (i > 0) out.push(frames[i - 1]);
      out.push(frames[i]);
    }
  }
  if (frames.length > 0) out.push(frames[frames.length - 1]);
  return Int32Array.from(out);
}

export function decodeRun(reply: PoseTracksReply): RunData {
  const k = reply.joints.length;
  const tracks = reply.tracks.map((t) => {
    const frames = ints(t.frames);
    const n = frames.length;
    const keypoints = floats(t.keypoints);
    const boxes = floats(t.boxes);
    const scores = floats(t.scores);
    return {
      trackId: t.trackId,
      frames,
      // Shorter arrays than the frame count would read out of range: clamp to what is whole.
      keypoints: keypoints.length >= n * k * 3 ? keypoints : new Float32Array(n * k * 3),
      boxes: boxes.length >= n * 4 ? boxes : new Float32Array(0),
      scores: scores.length >= n ? scores : new Float32Array(0),
      segments: frameSegments(frames),
    };
  });
  tracks.sort((a, b) => a.trackId - b.trackId);
  // Links naming joints that do not exist would draw from garbage: drop them.
  const links = reply.links.filter(([a, b]) => a >= 0 && b >= 0 && a < k && b < k);
  return { runId: reply.runId, skeletonId: reply.skeletonId, joints: reply.joints, links, k, tracks };
}

/** Index of `frame` in the ascending `frames`, or -1. */
export function findFrame(frames: Int32Array, frame: number): number {
  let lo = 0;
  let hi = frames.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const f = frames[mid];
    if (f === frame) return mid;
    if (f < frame) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** A stable, distinct colour per track id (golden-angle hues). */
export function trackColor(trackId: number, alpha = 1): string {
  const hue = (((trackId * 137.508 + 160) % 360) + 360) % 360;
  return alpha >= 1 ? `hsl(${hue.toFixed(1)} 90% 58%)` : `hsl(${hue.toFixed(1)} 90% 58% / ${alpha})`;
}
