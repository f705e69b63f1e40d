/**
 * Aligned side-by-side playback: the learner's frame on the left, the reference's aligned frame on
 * the right, each with its track's skeleton, under one scrubber and one transport. Frames come
 * from `media.frame` through a FrameLoader per pane (one request in flight, the latest wanted
 * frame next), so playback at the learner's frame rate skips frames when they load slowly
 * instead of falling behind.
 */
import { useEffect, useRef, useState, type PointerEvent } from 'react';
import { frameToSeconds } from '../../../../shared/timecode';
import { errorMessage } from '../../api';
import { drawFrameFitted } from '../../player/alignPlot';
import type { CachedFrame, FrameRequest } from '../../player/frameCache';
import { FrameLoader } from '../../player/frameLoader';
import { drawPoses } from '../../player/poseOverlay';
import { trackColor } from '../../player/poseData';
import { referenceFrameOf, useAlign, type AlignData, type Role } from '../../store/align';
import { usePoses } from '../../store/poses';
import { useToasts } from '../../store/toasts';
import { useVideos } from '../../store/videos';
import { FirstIcon, LastIcon, PauseIcon, PlayIcon, StepBackIcon, StepForwardIcon } from '../icons';

/** A few dozen decoded frames per side: enough to scrub back and forth over a motion. */
const CACHE_CAPACITY = 40;
const PREFETCH_AHEAD = 4;
/** Requested sizes snap to these, so a small resize reuses cached frames instead of refetching. */
const SIZE_BUCKETS = [240, 360, 480, 640, 800, 960, 1280, 1600, 1920];

const ROLE_LABEL: Record<Role, string> = { learner: 'Learner', reference: 'Reference' };

async function fetchFrame(request: FrameRequest): Promise<CachedFrame> {
  const image = await window.kinema.invoke('media.frame', request);
  const blob = new Blob([image.jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
  const bitmap = await createImageBitmap(blob);
  return { bitmap, width: image.width, height: image.height, source: image.source };
}

/** The video frame a pane shows for learner frame `learnerFrame`. */
function paneFrame(data: AlignData, role: Role, learnerFrame: number): number {
  return role === 'learner' ? learnerFrame : referenceFrameOf(data, learnerFrame);
}

/** Seconds into the aligned motion of each side (its first aligned frame is 0 s). */
function motionTime(data: AlignData, role: Role, frame: number): number | null {
  const fps = role === 'learner' ? data.learnerFps : data.referenceFps;
  const start = role === 'learner' ? data.learnerStart : data.referenceStart;
  return fps > 0 ? frameToSeconds(frame - start, fps) : null;
}

function FrameReadout({ data, role }: { data: AlignData; role: Role }) {
  const learnerFrame = useAlign((s) => s.frame);
  const frame = paneFrame(data, role, learnerFrame);
  const t = motionTime(data, role, frame);
  return (
    <span className="align-readout mono" data-testid={`align-${role}-frame`} data-frame={frame}>
      Frame {frame}
      {t !== null && <span className="muted"> · {t.toFixed(2)} s</span>}
    </span>
  );
}

function FramePane({ data, role }: { data: AlignData; role: Role }) {
  const stageRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const videoId = role === 'learner' ? data.learnerVideoId : data.referenceVideoId;
  const trackId = data.request[role].trackId;

  useEffect(() => {
    const stage = stageRef.current;
    const canvas = canvasRef.current;
    if (!stage || !canvas) return;
    let maxSize = 640;

    // The skeleton is drawn in the same pass as its frame, so it always belongs to the image.
    const drawSkeleton = (rect: ReturnType<typeof drawFrameFitted>, frame: number) => {
      const run = useAlign.getState().tracks[role];
      const video = useVideos.getState().videos.find((v) => v.id === videoId);
      const ctx = canvas.getContext('2d');
      let drawn = 0;
      if (ctx && rect && run && video)
        drawn = drawPoses(ctx, rect, video.width, video.height, run, frame, {
          threshold: usePoses.getState().threshold,
          showBoxes: false,
          isHidden: (id) => id !== trackId,
          dpr: window.devicePixelRatio || 1,
        });
      canvas.dataset.poseDrawn = String(drawn);
    };

    const loader = new FrameLoader({
      capacity: CACHE_CAPACITY,
      fetchFrame,
      onShow(request, frame) {
        const rect = drawFrameFitted(canvas, frame.bitmap);
        drawSkeleton(rect, request.frame);
        // End-to-end tests wait on the frame actually on screen, not the one asked for.
        canvas.dataset.frame = String(request.frame);
      },
      onError(request, error) {
        useToasts.getState().error(`Frame ${request.frame} could not be shown: ${errorMessage(error)}`);
        useAlign.getState().pause();
      },
    });

    const request = () => {
      const s = useAlign.getState();
      const frame = paneFrame(data, role, s.frame);
      loader.show({ videoId, frame, maxSize });
      // Read ahead along the learner's frames (the reference side through the warp).
      const ahead: FrameRequest[] = [];
      const seen = new Set([frame]);
      for (let k = 1; k <= PREFETCH_AHEAD && s.frame + k <= data.learnerEnd; k++) {
        const f = paneFrame(data, role, s.frame + k);
        if (!seen.has(f)) ahead.push({ videoId, frame: f, maxSize });
        seen.add(f);
      }
      loader.prefetch(ahead);
    };

    const resize = () => {
      const dpr = window.devicePixelRatio || 1;
      const w = Math.max(1, Math.round(stage.clientWidth * dpr));
      const h = Math.max(1, Math.round(stage.clientHeight * dpr));
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
        drawFrameFitted(canvas, null);
        loader.redraw();
      }
      const video = useVideos.getState().videos.find((v) => v.id === videoId);
      const longest = video && video.width > 0 ? Math.max(video.width, video.height) : Infinity;
      maxSize = Math.min(longest, SIZE_BUCKETS.find((b) => b >= Math.max(w, h)) ?? 1920);
      request();
    };
    const observer = new ResizeObserver(resize);
    observer.observe(stage);
    const off = useAlign.subscribe((s, prev) => {
      if (s.frame !== prev.frame || s.playing !== prev.playing) request();
      // The track arrived after the frame: paint the shown frame again with its skeleton.
      if (s.tracks[role] !== prev.tracks[role]) loader.redraw();
    });
    resize();
    return () => {
      observer.disconnect();
      off();
      loader.dispose();
    };
  }, [data, role, videoId, trackId]);

  return (
    <figure className={`align-pane ${role}`} data-testid={`align-pane-${role}`}>
      <figcaption className="align-pane-head">
        <span className="align-role" style={{ borderColor: trackColor(trackId) }}>
          {ROLE_LABEL[role]}
        </span>
        <span className="align-pane-label" title={data.labels[role]}>
          {data.labels[role]}
        </span>
        <FrameReadout data={data} role={role} />
      </figcaption>
      <div className="align-stage" ref={stageRef}>
        <canvas ref={canvasRef} data-testid={`align-canvas-${role}`} />
      </div>
    </figure>
  );
}

export function AlignPanes({ data }: { data: AlignData }) {
  return (
    <div className="align-panes">
      <FramePane data={data} role="learner" />
      <FramePane data={data} role="reference" />
    </div>
  );
}

/**
 * One scrubber over the aligned learner frames, with the motion's phases shaded and the findings
 * ticked; click or drag to move both panes. Arrow keys step frames (handled by the view).
 */
function Scrubber({ data }: { data: AlignData }) {
  const frame = useAlign((s) => s.frame);
  const ref = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const first = data.learnerStart;
  const n = Math.max(1, data.learnerEnd - data.learnerStart + 1);
  const pct = (f: number) => `${((f - first + 0.5) / n) * 100}%`;

  const frameAt = (clientX: number) => {
    const rect = ref.current!.getBoundingClientRect();
    const i = Math.floor(((clientX - rect.left) / Math.max(1, rect.width)) * n);
    return first + Math.max(0, Math.min(n - 1, i));
  };
  const onDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.focus();
    e.currentTarget.setPointerCapture(e.pointerId);
    useAlign.getState().pause();
    useAlign.getState().seek(frameAt(e.clientX));
  };
  const onMove = (e: PointerEvent<HTMLDivElement>) => {
    const f = frameAt(e.clientX);
    setHover(f);
    if (e.currentTarget.hasPointerCapture(e.pointerId)) useAlign.getState().seek(f);
  };

  return (
    <div
      ref={ref}
      className="align-scrubber"
      role="slider"
      tabIndex={0}
      aria-label="Learner frame (the reference follows the alignment)"
      aria-valuemin={data.learnerStart}
      aria-valuemax={data.learnerEnd}
      aria-valuenow={frame}
      data-testid="align-scrubber"
      onPointerDown={onDown}
      onPointerMove={onMove}
      onPointerUp={(e) => {
        if (e.currentTarget.hasPointerCapture(e.pointerId))
          e.currentTarget.releasePointerCapture(e.pointerId);
      }}
      onPointerLeave={() => setHover(null)}
    >
      <div className="align-scrubber-track">
        {data.coaching?.phases.map((p) => (
          <div
            key={p.index}
            className={`align-scrubber-phase${p.index % 2 ? ' odd' : ''}`}
            style={{
              left: `${((p.learner.start - first) / n) * 100}%`,
              width: `${((p.learner.end - p.learner.start + 1) / n) * 100}%`,
            }}
          />
        ))}
        <div className="align-scrubber-fill" style={{ width: pct(frame) }} />
        {data.coaching?.findings.map((f, i) => (
          <div
            key={i}
            className={`align-scrubber-finding ${f.kind}`}
            style={{ left: pct(f.learnerFrame) }}
            title={f.text}
          />
        ))}
      </div>
      <div className="align-scrubber-head" style={{ left: pct(frame) }} />
      {hover !== null && (
        <div className="align-scrubber-hover mono" style={{ left: pct(hover) }}>
          L {hover} · R {referenceFrameOf(data, hover)}
        </div>
      )}
    </div>
  );
}

export function AlignTransport({ data }: { data: AlignData }) {
  const playing = useAlign((s) => s.playing);
  const a = useAlign.getState;
  return (
    <div className="align-transport" data-testid="align-transport">
      <div className="transport-group">
        <button
          type="button"
          className="icon-button"
          title="First aligned frame (Home)"
          data-testid="align-first"
          onClick={() => {
            a().pause();
            a().seek(data.learnerStart);
          }}
        >
          <FirstIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          title="Previous learner frame (←)"
          data-testid="align-step-back"
          onClick={() => a().step(-1)}
        >
          <StepBackIcon />
        </button>
        <button
          type="button"
          className="icon-button play-button"
          title={`Play / pause at the learner's ${data.learnerFps > 0 ? `${+data.learnerFps.toFixed(2)} fps` : 'frame rate'} (Space)`}
          data-testid="align-play"
          aria-pressed={playing}
          onClick={() => a().togglePlay()}
        >
          {playing ? <PauseIcon /> : <PlayIcon />}
        </button>
        <button
          type="button"
          className="icon-button"
          title="Next learner frame (→)"
          data-testid="align-step-forward"
          onClick={() => a().step(1)}
        >
          <StepForwardIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          title="Last aligned frame (End)"
          data-testid="align-last"
          onClick={() => {
            a().pause();
            a().seek(data.learnerEnd);
          }}
        >
          <LastIcon />
        </button>
      </div>
      <Scrubber data={data} />
    </div>
  );
}
