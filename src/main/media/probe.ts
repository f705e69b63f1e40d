/**
 * Probing and indexing: what a file is, and where each of its frames sits in time.
 *
 * Every failure here is turned into a sentence a user can act on, because bad files (not a
 * video, truncated, audio only) are the commonest thing a coach drags in.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { KinemaError } from '../../shared/contract';
import { ffmpegPaths, runTool, ToolError } from './ffmpeg';

export interface ProbeResult {
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  formatName: string;
  /** Seconds; the container's start time, which ffmpeg's -ss is relative to. */
  startTimeS: number;
  durationS: number;
  codec: string;
  width: number;
  height: number;
  fpsNum: number;
  fpsDen: number;
  fps: number;
  /** Frame count from the stream header (may be 0 when the container does not say). */
  declaredFrames: number;
  hasAudio: boolean;
  rotation: number;
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

function parseRate(rate: string | undefined): [number, number] {
  const [n, d] = (rate ?? '0/0').split('/').map(Number);
  return n && d ? [n, d] : [0, 1];
}

/** Checks the path names a readable, non-empty file; throws a user-facing error otherwise. */
export async function assertReadableFile(path: string): Promise<{ size: number; mtimeMs: number }> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new KinemaError('NOT_FOUND', `File not found: ${path}`);
  }
  if (info.isDirectory()) throw new KinemaError('NOT_A_FILE', `${path} is a folder, not a video file.`);
  if (info.size === 0) throw new KinemaError('EMPTY_FILE', `${basename(path)} is empty (0 bytes).`);
  return { size: info.size, mtimeMs: info.mtimeMs };
}

/** Whether the file starts like an ISO-BMFF (MP4/MOV) file: a box type in bytes 4-8. */
function startsLikeMp4(path: string): boolean {
  const header = Buffer.alloc(8);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  return ['ftyp', 'moov', 'mdat', 'wide'].includes(header.toString('latin1', 4, 8));
}

function explainProbeFailure(path: string, stderr: string): KinemaError {
  const name = basename(path);
  // The MP4 demuxer is picked by extension, so a text file named .mp4 also lacks a moov atom.
  if (/moov atom not found/i.test(stderr) && startsLikeMp4(path))
    return new KinemaError(
      'TRUNCATED',
      `${name} looks truncated or damaged: its index (the MP4 "moov atom") is missing, which happens when a recording or copy was cut off.`,
    );
  if (
    /moov atom not found|Invalid data found|could not find codec parameters|Unknown format|End of file/i.test(
      stderr,
    )
  )
    return new KinemaError('NOT_A_VIDEO', `${name} is not a video file that ffmpeg can read.`);
  return new KinemaError(
    'PROBE_FAILED',
    `Cannot read ${name}: ${stderr.trim().split('\n').slice(-1)[0] ?? 'ffprobe failed'}`,
  );
}

export async function probeVideo(path: string, signal?: AbortSignal): Promise<ProbeResult> {
  const file = await assertReadableFile(path);
  let json: {
    streams?: FfprobeStream[];
    format?: { format_name?: string; duration?: string; start_time?: string };
  };
  try {
    const { stdout } = await runTool(
      ffmpegPaths().ffprobePath,
      ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path],
      signal,
    );
    json = JSON.parse(stdout.toString());
  } catch (err) {
    if (err instanceof ToolError) throw explainProbeFailure(path, err.stderr);
    throw err;
  }
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const name = basename(path);
  if (!video)
    throw new KinemaError('NO_VIDEO_STREAM', `${name} has no video stream (audio only or a data file).`);
  const formatName = json.format?.format_name ?? '';
  if (/image2|_pipe$|^png|^gif/.test(formatName) || Number(video.nb_frames ?? 0) === 1)
    throw new KinemaError('STILL_IMAGE', `${name} is a still image, not a video.`);
  let [fpsNum, fpsDen] = parseRate(video.avg_frame_rate);
  if (!fpsNum) [fpsNum, fpsDen] = parseRate(video.r_frame_rate);
  if (!fpsNum) throw new KinemaError('NO_FRAME_RATE', `${name} has no usable frame rate.`);
  const durationS = Number(video.duration ?? json.format?.duration ?? 0);
  const rotation = Number(
    video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? video.tags?.rotate ?? 0,
  );
  return {
    path,
    sizeBytes: file.size,
    mtimeMs: file.mtimeMs,
    formatName,
    startTimeS: Number(json.format?.start_time ?? 0) || 0,
    durationS: Number.isFinite(durationS) ? durationS : 0,
    codec: video.codec_name ?? 'unknown',
    width: video.width ?? 0,
    height: video.height ?? 0,
    fpsNum,
    fpsDen,
    fps: fpsNum / fpsDen,
    declaredFrames: Number(video.nb_frames ?? 0) || 0,
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    rotation: Number.isFinite(rotation) ? rotation : 0,
  };
}

export interface FrameIndex {
  /** Presentation time of each frame in display order, seconds from the container start. */
  frameTimes: Float64Array;
  /** Indices (into frameTimes) of frames that are keyframes. */
  keyframes: Uint32Array;
}

/**
 * Reads every video packet's timestamp (no decoding, so it is fast) to get the exact frame
 * count, each frame's time (variable frame rate safe) and the keyframes a stream copy can cut at.
 */
export async function indexFrames(probe: ProbeResult, signal?: AbortSignal): Promise<FrameIndex> {
  let stdout: Buffer;
  try {
    ({ stdout } = await runTool(
      ffmpegPaths().ffprobePath,
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'packet=pts_time,dts_time,flags',
        '-of',
        'csv=p=0',
        probe.path,
      ],
      signal,
    ));
  } catch (err) {
    if (err instanceof ToolError) throw explainProbeFailure(probe.path, err.stderr);
    throw err;
  }
  const packets: { t: number; key: boolean }[] = [];
  for (const line of stdout.toString().split('\n')) {
    if (!line) continue;
    const [pts, dts, flags = ''] = line.split(',');
    if (flags.includes('D')) continue; // discarded by the edit list: never displayed
    const t = Number(pts !== 'N/A' && pts ? pts : dts);
    if (!Number.isFinite(t)) continue;
    packets.push({ t: t - probe.startTimeS, key: flags.includes('K') });
  }
  packets.sort((a, b) => a.t - b.t);
  const name = basename(probe.path);
  if (packets.length === 0) throw new KinemaError('NO_FRAMES', `${name} contains no video frames.`);
  if (probe.declaredFrames > 1 && packets.length < probe.declaredFrames * 0.98 - 1)
    throw new KinemaError(
      'TRUNCATED',
      `${name} looks truncated: only ${packets.length} of its ${probe.declaredFrames} frames are in the file.`,
    );
  const frameTimes = new Float64Array(packets.length);
  const keys: number[] = [];
  packets.forEach((p, i) => {
    frameTimes[i] = p.t;
    if (p.key) keys.push(i);
  });
  return { frameTimes, keyframes: Uint32Array.from(keys) };
}

/**
 * The -ss value that makes ffmpeg's accurate seek land exactly on frame `frame`: halfway between
 * it and the frame before, so rounding in either direction cannot pick a neighbour.
 */
export function seekTimeForFrame(frameTimes: ArrayLike<number>, frame: number): number {
  if (frame <= 0) return 0;
  const t = frameTimes[frame];
  const before = frameTimes[frame - 1];
  return Math.max(0, (t + before) / 2);
}
