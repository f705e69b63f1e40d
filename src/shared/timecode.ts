/** Frame ↔ time helpers. Frames are integer indices from 0; times are seconds from the video's start. */

export function frameToSeconds(frame: number, fps: number): number {
  return fps > 0 ? frame / fps : 0;
}

export function secondsToFrame(seconds: number, fps: number): number {
  return Math.max(0, Math.round(seconds * fps));
}

/** `mm:ss.ff` (frames within the second), the way video editors show a position. */
export function formatTimecode(frame: number, fps: number): string {
  if (!(fps > 0)) return `#${frame}`;
  const whole = Math.floor(frame / fps);
  const ff = Math.round(frame - whole * fps);
  const mm = Math.floor(whole / 60);
  const ss = whole % 60;
  const width = String(Math.ceil(fps) - 1).length;
  return `${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}.${String(ff).padStart(width, '0')}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return `${m} min ${String(s).padStart(2, '0')} s`;
}

export function clampFrame(frame: number, frameCount: number): number {
  return Math.min(Math.max(0, Math.round(frame)), Math.max(0, frameCount - 1));
}
