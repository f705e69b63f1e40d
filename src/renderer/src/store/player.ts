/**
 * Playhead, transport and in/out marks for the selected video. Marks follow the contract's
 * half-open convention: markIn is the first frame, markOut is one past the last marked frame.
 */
import { create } from 'zustand';
import type { Video } from '../../../shared/contract';
import { clampFrame } from '../../../shared/timecode';
import { PlaybackClock } from '../player/clock';

export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 4] as const;
export const MAX_SPEED = 4;

interface PlayerState {
  videoId: number | null;
  frameCount: number;
  fps: number;
  /** The playhead: the frame the user asked for (the canvas may still be loading it). */
  frame: number;
  playing: boolean;
  direction: 1 | -1;
  speed: number;
  markIn: number | null;
  markOut: number | null;

  load(video: Video | null): void;
  /** Picks up changed metadata of the loaded video (an import filled in its frame count). */
  sync(video: Video): void;
  seek(frame: number): void;
  step(delta: number): void;
  play(direction?: 1 | -1, speed?: number): void;
  pause(): void;
  togglePlay(): void;
  setSpeed(speed: number): void;
  /** J / L: start playing that way, or go one speed step faster if already doing so. */
  shuttle(direction: 1 | -1): void;
  /** K: pause and reset the speed to 1×. */
  stopShuttle(): void;
  /** Plays [from, toExclusive) once, stopping on its last frame. */
  playRange(from: number, toExclusive: number): void;
  setMarkIn(frame?: number): void;
  /** `lastFrame` is inclusive; it is stored as the exclusive end. */
  setMarkOut(lastFrame?: number): void;
  clearMarks(): void;
}

const clock = new PlaybackClock();
/** Bounds of the current playback (a clip plays only its own range), kept across speed changes. */
let bounds = { min: 0, max: 0 };
/** Where the playhead was in each video, so switching videos and back returns to it. */
const positions = new Map<number, number>();

function nextSpeed(speed: number): number {
  return SPEEDS.find((s) => s > speed + 1e-9) ?? MAX_SPEED;
}

export const usePlayer = create<PlayerState>()((set, get) => {
  function startClock(from: number, direction: 1 | -1, speed: number, min: number, max: number) {
    const { fps } = get();
    bounds = { min, max };
    set({ playing: true, direction, speed, frame: from });
    clock.start({
      from,
      fps,
      speed,
      direction,
      min,
      max,
      onFrame: (frame) => set({ frame }),
      onEnd: () => set({ playing: false }),
    });
  }

  return {
    videoId: null,
    frameCount: 0,
    fps: 0,
    frame: 0,
    playing: false,
    direction: 1,
    speed: 1,
    markIn: null,
    markOut: null,

    load(video) {
      const s = get();
      if (s.videoId === (video?.id ?? null)) {
        if (video) s.sync(video);
        return;
      }
      clock.stop();
      if (s.videoId !== null) positions.set(s.videoId, s.frame);
      set({
        videoId: video?.id ?? null,
        frameCount: video?.frameCount ?? 0,
        fps: video?.fps ?? 0,
        frame: video ? clampFrame(positions.get(video.id) ?? 0, video.frameCount) : 0,
        playing: false,
        markIn: null,
        markOut: null,
      });
    },

    sync(video) {
      const s = get();
      if (s.videoId !== video.id) return;
      if (s.frameCount === video.frameCount && s.fps === video.fps) return;
      if (video.frameCount <= 0) clock.stop();
      set({
        frameCount: video.frameCount,
        fps: video.fps,
        frame: clampFrame(s.frame, video.frameCount),
        playing: s.playing && video.frameCount > 0,
      });
    },

    seek(frame) {
      const s = get();
      if (s.frameCount <= 0) return;
      const target = clampFrame(frame, s.frameCount);
      clock.seek(target);
      if (target !== s.frame) set({ frame: target });
    },

    step(delta) {
      // Stepping is a frame-accurate gesture: playback would move the frame away again.
      get().pause();
      get().seek(get().frame + delta);
    },

    play(direction = 1, speed) {
      const s = get();
      if (s.frameCount <= 0 || !(s.fps > 0)) return;
      const last = s.frameCount - 1;
      let from = s.frame;
      // Playing from an end restarts from the other end instead of doing nothing.
      if (direction > 0 && from >= last) from = 0;
      if (direction < 0 && from <= 0) from = last;
      startClock(from, direction, speed ?? s.speed, 0, last);
    },

    pause() {
      clock.stop();
      if (get().playing) set({ playing: false });
    },

    togglePlay() {
      if (get().playing) get().pause();
      else get().play(1);
    },

    setSpeed(speed) {
      const s = get();
      if (s.playing) startClock(s.frame, s.direction, speed, bounds.min, bounds.max);
      else set({ speed });
    },

    shuttle(direction) {
      const s = get();
      if (s.playing && s.direction === direction) s.setSpeed(nextSpeed(s.speed));
      else s.play(direction, s.playing ? 1 : s.speed);
    },

    stopShuttle() {
      get().pause();
      set({ speed: 1 });
    },

    playRange(from, toExclusive) {
      const s = get();
      if (s.frameCount <= 0 || !(s.fps > 0)) return;
      const first = clampFrame(from, s.frameCount);
      const last = clampFrame(toExclusive - 1, s.frameCount);
      if (last < first) return;
      startClock(first, 1, s.speed, first, last);
    },

    setMarkIn(frame) {
      const s = get();
      if (s.frameCount <= 0) return;
      // An out mark before the in mark is kept as is: creating the clip then reports the problem
      // instead of silently turning the marks into some other range.
      set({ markIn: clampFrame(frame ?? s.frame, s.frameCount) });
    },

    setMarkOut(lastFrame) {
      const s = get();
      if (s.frameCount <= 0) return;
      set({ markOut: clampFrame(lastFrame ?? s.frame, s.frameCount) + 1 });
    },

    clearMarks() {
      set({ markIn: null, markOut: null });
    },
  };
});
