/**
 * Playback clock driven by requestAnimationFrame. The position is computed from wall-clock time
 * elapsed since the clock was anchored (elapsed × fps × speed), never by counting drawn frames:
 * when frames arrive late the position keeps moving and the display skips ahead instead of lagging.
 */
export interface ClockOptions {
  from: number;
  fps: number;
  speed: number;
  direction: 1 | -1;
  /** Inclusive bounds; playback stops on reaching the bound in its direction. */
  min: number;
  max: number;
  onFrame(frame: number): void;
  onEnd(): void;
}

export class PlaybackClock {
  private raf = 0;
  private options: ClockOptions | null = null;
  private anchorTime = 0;
  private anchorFrame = 0;
  private lastFrame = -1;

  get running(): boolean {
    return this.options !== null;
  }

  start(options: ClockOptions): void {
    this.stop();
    this.options = options;
    this.anchor(options.from);
    this.raf = requestAnimationFrame(this.tick);
  }

  /** Re-anchors at `frame` (a seek while playing) without stopping. */
  seek(frame: number): void {
    if (this.options) this.anchor(frame);
  }

  stop(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.options = null;
  }

  private anchor(frame: number): void {
    this.anchorTime = performance.now();
    this.anchorFrame = frame;
    this.lastFrame = frame;
  }

  private tick = (now: number): void => {
    const o = this.options;
    if (!o) return;
    const elapsedS = Math.max(0, now - this.anchorTime) / 1000;
    const advanced = Math.floor(elapsedS * o.fps * o.speed);
    const frame = this.anchorFrame + o.direction * advanced;
    const ended = o.direction > 0 ? frame >= o.max : frame <= o.min;
    const clamped = Math.min(o.max, Math.max(o.min, frame));
    if (clamped !== this.lastFrame) {
      this.lastFrame = clamped;
      o.onFrame(clamped);
    }
    if (ended) {
      this.stop();
      o.onEnd();
      return;
    }
    this.raf = requestAnimationFrame(this.tick);
  };
}
