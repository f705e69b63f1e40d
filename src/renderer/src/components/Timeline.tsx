import { memo, useEffect, useRef, useState, type PointerEvent } from 'react';
import type { Clip } from '../../../shared/contract';
import { clampFrame, formatTimecode } from '../../../shared/timecode';
import { call } from '../api';
import { clipColor } from '../clipColors';
import { EditLane } from './editor/EditLane';
import { trackColor, type DecodedTrack } from '../player/poseData';
import { useClips } from '../store/clips';
import { usePlayer } from '../store/player';
import { useEditor } from '../store/editor';
import { usePoses } from '../store/poses';
import { isPlayable, useSelectedVideo } from '../store/videos';
import { ActionMarks } from './ActionsPanel';

interface Thumb {
  frame: number;
  url: string;
}

/** Thumbnails of a video as object URLs; refetched when the server has made more of them. */
function useThumbnails(videoId: number | null, count: number): Thumb[] {
  const [state, setState] = useState<{ videoId: number; thumbs: Thumb[] } | null>(null);

  useEffect(() => {
    if (videoId === null || count <= 0) return;
    let cancelled = false;
    call('videos.thumbnails', { videoId }, { quiet: true }).then(
      (list) => {
        if (cancelled) return;
        const thumbs = [...list]
          .sort((a, b) => a.frame - b.frame)
          .map((t) => ({
            frame: t.frame,
            url: URL.createObjectURL(new Blob([t.jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' })),
          }));
        setState({ videoId, thumbs });
      },
      () => {
        // Thumbnails are a navigation aid; the strip simply stays empty.
      },
    );
    return () => {
      cancelled = true;
    };
  }, [videoId, count]);

  // Revoke a set of URLs only once the next set (or nothing) replaced it on screen.
  useEffect(() => {
    return () => state?.thumbs.forEach((t) => URL.revokeObjectURL(t.url));
  }, [state]);

  return state && state.videoId === videoId ? state.thumbs : [];
}

/** Frames between labelled ticks: the smallest "round" step that keeps labels `minPx` apart. */
function tickStep(frameCount: number, fps: number, widthPx: number, minPx = 90): number {
  const frameSteps = [1, 2, 5, 10];
  const secondSteps = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  const candidates = [
    ...frameSteps,
    // Sub-second steps only where they land on whole frames (no "00:00.13" labels at 25 fps).
    ...(fps > 0
      ? secondSteps.filter((s) => s >= 1 || Number.isInteger(s * fps)).map((s) => Math.round(s * fps))
      : [20, 50, 100, 200, 500, 1000, 2000, 5000]),
  ].filter((s, i, all) => s > 0 && all.indexOf(s) === i);
  for (const step of candidates) if ((step / frameCount) * widthPx >= minPx) return step;
  return Math.max(1, frameCount);
}

const pct = (frame: number, frameCount: number) => `${(frame / frameCount) * 100}%`;

const ThumbStrip = memo(function ThumbStrip({ thumbs, frameCount }: { thumbs: Thumb[]; frameCount: number }) {
  return (
    <div className="timeline-thumbs" data-testid="timeline-thumbs" data-count={thumbs.length}>
      {thumbs.map((t, i) => {
        // Each thumbnail covers the stretch of timeline nearest to its frame, edge to edge.
        const start = i === 0 ? 0 : (thumbs[i - 1].frame + t.frame) / 2;
        const end = i + 1 < thumbs.length ? (t.frame + thumbs[i + 1].frame) / 2 : frameCount;
        return (
          <img
            key={t.frame}
            src={t.url}
            alt=""
            draggable={false}
            data-frame={t.frame}
            style={{ left: pct(start, frameCount), width: pct(end - start, frameCount) }}
          />
        );
      })}
    </div>
  );
});

function Playhead({ frameCount }: { frameCount: number }) {
  const frame = usePlayer((s) => s.frame);
  return (
    <div
      className="timeline-playhead"
      data-testid="timeline-playhead"
      data-frame={frame}
      style={{ left: pct(frame + 0.5, frameCount) }}
    />
  );
}

function MarkedRange({ frameCount }: { frameCount: number }) {
  const markIn = usePlayer((s) => s.markIn);
  const markOut = usePlayer((s) => s.markOut);
  if (markIn === null && markOut === null) return null;
  const a = markIn ?? 0;
  const b = markOut ?? frameCount;
  // Out before in is shown (in red) rather than hidden: adding the clip will be refused.
  const inverted = b <= a;
  const from = Math.min(a, b);
  const to = Math.max(a, b);
  return (
    <div
      className={`timeline-marks${inverted ? ' invalid' : ''}`}
      data-testid="timeline-marks"
      data-in={markIn ?? undefined}
      data-out={markOut ?? undefined}
      style={{ left: pct(from, frameCount), width: pct(Math.max(0, to - from), frameCount) }}
    >
      {markIn !== null && <span className={`mark-flag ${inverted ? 'out' : 'in'}`}>I</span>}
      {markOut !== null && <span className={`mark-flag ${inverted ? 'in' : 'out'}`}>O</span>}
    </div>
  );
}

function ClipBars({ clips, frameCount }: { clips: Clip[]; frameCount: number }) {
  const selectedClipId = useClips((s) => s.selectedClipId);
  return (
    <div className="timeline-clips">
      {clips.map((clip) => (
        <div
          key={clip.id}
          className={`timeline-clip${clip.id === selectedClipId ? ' selected' : ''}`}
          data-testid="timeline-clip"
          data-clip-id={clip.id}
          title={`${clip.label || `Clip ${clip.id}`}: frames ${clip.inFrame}–${clip.outFrame - 1}`}
          style={{
            left: pct(clip.inFrame, frameCount),
            width: pct(clip.outFrame - clip.inFrame, frameCount),
            background: clipColor(clip.id),
          }}
          // A bar is a button, not a place to start scrubbing.
          onPointerDown={(e) => e.stopPropagation()}
          onClick={() => {
            useClips.getState().select(clip.id);
            usePlayer.getState().pause();
            usePlayer.getState().seek(clip.inFrame);
          }}
        >
          <span>{clip.label || `Clip ${clip.id}`}</span>
        </div>
      ))}
    </div>
  );
}

/** One track's pose coverage as a thin bar: painted spans where it has poses, gaps left dark. */
function CoverageBar({
  track,
  frameCount,
  width,
}: {
  track: DecodedTrack;
  frameCount: number;
  width: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(width * dpr));
    const h = Math.max(1, Math.round(COVERAGE_BAR_PX * dpr));
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = trackColor(track.trackId);
    const seg = track.segments;
    for (let i = 0; i + 1 < seg.length; i += 2) {
      const x0 = (seg[i] / frameCount) * w;
      const x1 = ((seg[i + 1] + 1) / frameCount) * w;
      // At least a pixel, so a lone frame in a long video still shows.
      ctx.fillRect(Math.floor(x0), 0, Math.max(1, Math.round(x1 - x0)), h);
    }
  }, [track, frameCount, width]);
  return (
    <canvas
      ref={ref}
      className="timeline-pose-coverage"
      data-testid="timeline-pose-coverage"
      data-track-id={track.trackId}
      data-frames={track.frames.length}
      data-segments={track.segments.length / 2}
      title={`Track #${track.trackId}: ${track.frames.length} frames with a pose`}
    />
  );
}

const COVERAGE_BAR_PX = 4;

function PoseCoverage({
  videoId,
  frameCount,
  width,
}: {
  videoId: number;
  frameCount: number;
  width: number;
}) {
  const posesData = usePoses((s) => (s.videoId === videoId ? s.data : null));
  const runId = usePoses((s) => s.selectedRunId);
  const hidden = usePoses((s) => s.hidden);
  // After edits the editor holds the run's stored tracks (gaps filled, frames deleted).
  const edited = useEditor((s) =>
    s.data && s.data.runId === runId && s.videoId === videoId ? s.data : null,
  );
  const data = edited ?? posesData;
  if (!data || data.runId !== runId) return null;
  const tracks = data.tracks.filter((t) => !(`${data.runId}:${t.trackId}` in hidden));
  if (tracks.length === 0) return null;
  return (
    <div className="timeline-poses" data-testid="timeline-poses">
      {tracks.map((t) => (
        <CoverageBar key={t.trackId} track={t} frameCount={frameCount} width={width} />
      ))}
    </div>
  );
}

export function Timeline() {
  const video = useSelectedVideo();
  const frameCount = usePlayer((s) => s.frameCount);
  const fps = usePlayer((s) => s.fps);
  const clipsVideoId = useClips((s) => s.videoId);
  const allClips = useClips((s) => s.clips);
  const thumbs = useThumbnails(video?.id ?? null, video?.thumbnailCount ?? 0);
  const scrubberRef = useRef<HTMLDivElement>(null);
  const hoverRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);

  useEffect(() => {
    const el = scrubberRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const playable = video !== null && isPlayable(video) && frameCount > 0;
  const clips = playable && clipsVideoId === video.id ? allClips : [];

  const frameAt = (clientX: number, el: HTMLElement) => {
    const rect = el.getBoundingClientRect();
    return clampFrame(Math.floor(((clientX - rect.left) / rect.width) * frameCount), frameCount);
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (!playable || e.button !== 0) return;
    // No text selection while dragging; but leave any field being edited so the keys work again.
    e.preventDefault();
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    // Capture keeps the drag going when the pointer leaves the strip.
    e.currentTarget.setPointerCapture(e.pointerId);
    usePlayer.getState().seek(frameAt(e.clientX, e.currentTarget));
  };

  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!playable) return;
    const frame = frameAt(e.clientX, e.currentTarget);
    const hover = hoverRef.current;
    if (hover) {
      hover.style.display = 'block';
      hover.style.left = pct(frame + 0.5, frameCount);
      hover.dataset.label = `${frame} · ${formatTimecode(frame, fps)}`;
    }
    if (e.currentTarget.hasPointerCapture(e.pointerId)) usePlayer.getState().seek(frame);
  };

  const hideHover = () => {
    if (hoverRef.current) hoverRef.current.style.display = 'none';
  };

  const step = playable ? tickStep(frameCount, fps, width) : 0;
  const ticks: number[] = [];
  if (step > 0) for (let f = 0; f < frameCount && ticks.length < 500; f += step) ticks.push(f);

  return (
    <div className="timeline" data-testid="timeline">
      <div
        className={`timeline-scrubber${playable ? '' : ' disabled'}`}
        data-testid="timeline-scrubber"
        data-frame-count={frameCount}
        ref={scrubberRef}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={(e) => {
          if (e.currentTarget.hasPointerCapture(e.pointerId))
            e.currentTarget.releasePointerCapture(e.pointerId);
        }}
        onPointerLeave={hideHover}
      >
        <div className="timeline-ruler">
          {ticks.map((f) => (
            <div key={f} className="tick" style={{ left: pct(f, frameCount) }}>
              <span>{formatTimecode(f, fps)}</span>
            </div>
          ))}
        </div>
        {playable ? (
          <ThumbStrip thumbs={thumbs} frameCount={frameCount} />
        ) : (
          <div className="timeline-thumbs empty" data-testid="timeline-thumbs" />
        )}
        {playable && thumbs.length === 0 && (
          <div className="timeline-hint muted small">
            {video.status === 'importing' ? 'Thumbnails are being made…' : 'No thumbnails'}
          </div>
        )}
        {playable && <PoseCoverage videoId={video.id} frameCount={frameCount} width={width} />}
        {playable && <EditLane videoId={video.id} frameCount={frameCount} width={width} />}
        {playable && <ActionMarks videoId={video.id} frameCount={frameCount} />}
        {playable && <ClipBars clips={clips} frameCount={frameCount} />}
        {!playable && <div className="timeline-clips" />}
        {playable && <MarkedRange frameCount={frameCount} />}
        {playable && <Playhead frameCount={frameCount} />}
        <div className="timeline-hover" ref={hoverRef} />
      </div>
    </div>
  );
}
