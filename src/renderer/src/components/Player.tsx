import { useEffect, useRef, useState } from 'react';
import { formatTimecode, frameToSeconds } from '../../../shared/timecode';
import { errorMessage, ignore } from '../api';
import { addClipFromMarks } from '../commands';
import type { CachedFrame, FrameRequest } from '../player/frameCache';
import { FrameLoader } from '../player/frameLoader';
import { drawKinematicsArcs } from '../player/angleArcs';
import { drawEditLayer, noteShown, zoomedRect, type View } from '../player/editOverlay';
import { drawPoses, type ImageRect } from '../player/poseOverlay';
import { EditBadge } from './editor/EditBadge';
import { useEditPointer } from './editor/useEditPointer';
import { useEditor } from '../store/editor';
import { CloseIcon, FirstIcon, LastIcon, PauseIcon, PlayIcon, StepBackIcon, StepForwardIcon } from './icons';
import { SPEEDS, usePlayer } from '../store/player';
import { useKinematics } from '../store/kinematics';
import { usePoses } from '../store/poses';
import { useProject } from '../store/project';
import { useToasts } from '../store/toasts';
import { isPlayable, useSelectedVideo, useVideos } from '../store/videos';

const CACHE_CAPACITY = 120;
const PREFETCH_AHEAD = 5;
/** Requested sizes snap to these, so a small resize reuses cached frames instead of refetching. */
const SIZE_BUCKETS = [240, 360, 480, 640, 800, 960, 1280, 1600, 1920, 2560, 3840, 8192];

function sizeFor(longestSidePx: number): number {
  return SIZE_BUCKETS.find((b) => b >= longestSidePx) ?? 8192;
}

/**
 * Draws the frame centred and scaled to fit (zoomed and panned by `view` in edit mode); returns
 * where the image landed (null: nothing drawn).
 */
function drawLetterboxed(
  canvas: HTMLCanvasElement,
  bitmap: ImageBitmap | null,
  view?: View,
): { fit: ImageRect; rect: ImageRect } | null {
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!bitmap || bitmap.width === 0 || bitmap.height === 0) return null;
  const scale = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
  const w = Math.round(bitmap.width * scale);
  const h = Math.round(bitmap.height * scale);
  const x = Math.floor((canvas.width - w) / 2);
  const y = Math.floor((canvas.height - h) / 2);
  const fit = { x, y, w, h };
  const rect = view ? zoomedRect(fit, view) : fit;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, rect.x, rect.y, rect.w, rect.h);
  return { fit, rect };
}

/** The pose editor's view while editing this video, else none (the whole frame, fitted). */
function editView(videoId: number): View | undefined {
  const e = useEditor.getState();
  return e.active && e.videoId === videoId ? e.view : undefined;
}

/**
 * Draws the selected pose run's poses for `frame` over the image just drawn, in the same pass (so
 * the skeleton always belongs to the frame on screen); records the keypoint count for tests.
 */
function drawPoseLayer(
  canvas: HTMLCanvasElement,
  rect: ImageRect | null,
  videoId: number,
  frame: number,
): void {
  const poses = usePoses.getState();
  const editor = useEditor.getState();
  let drawn = 0;
  const ctx = canvas.getContext('2d');
  const editing = editor.active && editor.data !== null && editor.videoId === videoId;
  if (ctx && rect && poses.overlay && editing) {
    const video = useVideos.getState().videos.find((v) => v.id === videoId);
    if (video) {
      const stats = drawEditLayer(ctx, rect, video.width, video.height, {
        data: editor.data!,
        frame,
        trackId: editor.trackId,
        joint: editor.joint,
        prov: editor.prov,
        isHidden: poses.isHidden,
        threshold: poses.threshold,
        showBoxes: poses.showBoxes,
        drag: editor.drag,
        box: editor.box,
        seedBox: editor.seedBox,
        preview: editor.preview?.tracks ?? null,
        dpr: window.devicePixelRatio || 1,
      });
      drawn = stats.drawn;
      // Tests and bench/annotate.ts read these: the layer's cost and what it drew.
      canvas.dataset.editDrawMs = stats.ms.toFixed(3);
      canvas.dataset.editGhost = String(stats.ghost);
    }
  } else if (ctx && rect && poses.overlay && poses.data && poses.videoId === videoId) {
    const video = useVideos.getState().videos.find((v) => v.id === videoId);
    // After edits the editor holds the run's stored poses; the pose store may hold an older copy.
    const data = editor.data && editor.data.runId === poses.selectedRunId ? editor.data : poses.data;
    if (video) {
      drawn = drawPoses(ctx, rect, video.width, video.height, data, frame, {
        threshold: poses.threshold,
        showBoxes: poses.showBoxes,
        isHidden: poses.isHidden,
        dpr: window.devicePixelRatio || 1,
      });
    }
  }
  canvas.dataset.poseDrawn = String(drawn);
  // The kinematics panel's angle arcs, while it is open (independent of the pose overlay toggle).
  const arcs = ctx && rect ? drawKinematicsArcs(ctx, rect, videoId, frame, window.devicePixelRatio || 1) : 0;
  canvas.dataset.angleArcs = String(arcs);
}

async function fetchFrame(request: FrameRequest): Promise<CachedFrame> {
  const image = await window.kinema.invoke('media.frame', request);
  const blob = new Blob([image.jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
  const bitmap = await createImageBitmap(blob);
  return { bitmap, width: image.width, height: image.height, source: image.source };
}

export function Player() {
  const video = useSelectedVideo();
  const stageRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [source, setSource] = useState<'proxy' | 'original' | null>(null);
  const editing = useEditor((s) => s.active && s.videoId === video?.id);
  useEditPointer(stageRef, canvasRef);

  useEffect(() => {
    const stage = stageRef.current;
    const canvas = canvasRef.current;
    if (!stage || !canvas) return;
    let maxSize = 1280;

    const loader = new FrameLoader({
      capacity: CACHE_CAPACITY,
      fetchFrame,
      onShow(request, frame) {
        if (request.videoId !== usePlayer.getState().videoId) return;
        const placed = drawLetterboxed(canvas, frame.bitmap, editView(request.videoId));
        const video = useVideos.getState().videos.find((v) => v.id === request.videoId);
        noteShown(
          placed && video
            ? {
                videoId: request.videoId,
                frame: request.frame,
                fit: placed.fit,
                rect: placed.rect,
                videoWidth: video.width,
                videoHeight: video.height,
              }
            : null,
        );
        if (placed) {
          const r = placed.rect;
          canvas.dataset.imageRect = [r.x, r.y, r.w, r.h].map((v) => v.toFixed(2)).join(',');
        } else delete canvas.dataset.imageRect;
        drawPoseLayer(canvas, placed?.rect ?? null, request.videoId, request.frame);
        // End-to-end tests wait on these: the frame actually on screen, not the one asked for.
        canvas.dataset.videoId = String(request.videoId);
        canvas.dataset.frame = String(request.frame);
        canvas.dataset.source = frame.source;
        setSource(frame.source);
      },
      onError(request, error) {
        if (request.videoId !== usePlayer.getState().videoId) return;
        useToasts.getState().error(`Frame ${request.frame} could not be shown: ${errorMessage(error)}`);
        usePlayer.getState().pause();
      },
    });

    const longestVideoSide = () => {
      const { videoId } = usePlayer.getState();
      const v = useVideos.getState().videos.find((x) => x.id === videoId);
      return v && v.width > 0 ? Math.max(v.width, v.height) : Infinity;
    };

    const request = () => {
      const s = usePlayer.getState();
      if (s.videoId === null || s.frameCount <= 0) return;
      const size = Math.max(16, Math.min(maxSize, longestVideoSide()));
      loader.show({ videoId: s.videoId, frame: s.frame, maxSize: size });
      const ahead: FrameRequest[] = [];
      if (!s.playing) {
        for (let f = s.frame + 1; f <= Math.min(s.frameCount - 1, s.frame + PREFETCH_AHEAD); f++) {
          ahead.push({ videoId: s.videoId, frame: f, maxSize: size });
        }
      }
      loader.prefetch(ahead);
    };

    const blank = () => {
      loader.forgetDisplayed();
      drawLetterboxed(canvas, null);
      delete canvas.dataset.frame;
      delete canvas.dataset.videoId;
      delete canvas.dataset.source;
      canvas.dataset.poseDrawn = '0';
      setSource(null);
    };

    const resize = () => {
      const dpr = window.devicePixelRatio || 1;
      const w = Math.max(1, Math.round(stage.clientWidth * dpr));
      const h = Math.max(1, Math.round(stage.clientHeight * dpr));
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
        drawLetterboxed(canvas, null);
        loader.redraw();
      }
      maxSize = sizeFor(Math.max(w, h));
      request();
    };
    const observer = new ResizeObserver(resize);
    observer.observe(stage);

    const offPlayer = usePlayer.subscribe((s, prev) => {
      if (s.videoId !== prev.videoId) blank();
      if (
        s.videoId !== prev.videoId ||
        s.frame !== prev.frame ||
        s.playing !== prev.playing ||
        s.frameCount !== prev.frameCount
      ) {
        request();
      }
    });
    const offVideos = useVideos.subscribe((s, prev) => {
      if (s.videos === prev.videos) return;
      // Ids of removed videos may be reused by later imports: their frames must not linger.
      const ids = new Set(s.videos.map((v) => v.id));
      loader.retainVideos((id) => ids.has(id));
    });
    const offPoses = usePoses.subscribe((s, prev) => {
      if (
        s.data !== prev.data ||
        s.overlay !== prev.overlay ||
        s.hidden !== prev.hidden ||
        s.showBoxes !== prev.showBoxes ||
        s.threshold !== prev.threshold ||
        s.videoId !== prev.videoId
      ) {
        // Poses changed, not the frame: paint the shown frame again (from the cache, no fetch).
        loader.redraw();
      }
    });
    const offEditor = useEditor.subscribe((s, prev) => {
      if (
        s.active !== prev.active ||
        s.data !== prev.data ||
        s.prov !== prev.prov ||
        s.trackId !== prev.trackId ||
        s.joint !== prev.joint ||
        s.drag !== prev.drag ||
        s.box !== prev.box ||
        s.seedBox !== prev.seedBox ||
        s.preview !== prev.preview ||
        s.view !== prev.view
      )
        loader.redraw();
    });
    const offKinematics = useKinematics.subscribe((s, prev) => {
      if (s.open !== prev.open || s.arcs !== prev.arcs || s.data !== prev.data || s.plotted !== prev.plotted)
        loader.redraw();
    });
    const offProject = useProject.subscribe((s, prev) => {
      if (s.project?.path === prev.project?.path) return;
      loader.clear();
      blank();
    });

    resize();
    return () => {
      observer.disconnect();
      offPlayer();
      offVideos();
      offProject();
      offPoses();
      offEditor();
      offKinematics();
      loader.dispose();
    };
  }, []);

  const playable = video !== null && isPlayable(video);
  let overlay: string | null = null;
  if (!video) overlay = 'Select or import a video';
  else if (video.frameCount <= 0 && video.status === 'importing') overlay = 'Reading video…';
  else if (video.status === 'failed') overlay = 'This video could not be imported';
  else if (video.status === 'missing') overlay = `The source file is missing:\n${video.path}`;
  else if (!playable) overlay = 'This video has no frames to show';

  return (
    <div className="player" data-testid="player">
      <div
        className={`player-stage${editing ? ' editing' : ''}`}
        ref={stageRef}
        onWheel={(e) => {
          // Ctrl+wheel zooms the frame in edit mode (editor/useEditPointer.ts).
          if (editing && (e.ctrlKey || e.metaKey)) return;
          if (playable && e.deltaY !== 0) usePlayer.getState().step(e.deltaY > 0 ? 1 : -1);
        }}
      >
        <canvas data-testid="player-canvas" ref={canvasRef} />
        {overlay && <div className="player-overlay">{overlay}</div>}
        {editing && playable && <EditBadge />}
        {playable && source && (
          <div
            className={`source-badge ${source}`}
            title={
              source === 'proxy'
                ? 'Shown from the seek proxy'
                : video.hasProxy
                  ? 'Decoded from the original file'
                  : 'Decoded from the original file (the seek proxy is still being built)'
            }
          >
            {source}
          </div>
        )}
      </div>
      <Transport disabled={!playable} />
    </div>
  );
}

function FrameCounter() {
  const frame = usePlayer((s) => s.frame);
  const frameCount = usePlayer((s) => s.frameCount);
  const fps = usePlayer((s) => s.fps);
  return (
    <div className="frame-readout">
      <span className="frame-counter" data-testid="frame-counter">
        Frame {frame} / {frameCount}
      </span>
      <span className="timecode" data-testid="timecode">
        {fps > 0 ? formatTimecode(frame, fps) : ''}
      </span>
      <span className="muted" data-testid="fps-display">
        {fps > 0 ? `${+fps.toFixed(3)} fps` : ''}
      </span>
    </div>
  );
}

function MarksReadout() {
  const markIn = usePlayer((s) => s.markIn);
  const markOut = usePlayer((s) => s.markOut);
  const fps = usePlayer((s) => s.fps);
  if (markIn === null && markOut === null) {
    return (
      <span className="marks muted" data-testid="marks-display">
        No marks
      </span>
    );
  }
  const frames = markIn !== null && markOut !== null ? markOut - markIn : null;
  const inverted = frames !== null && frames <= 0;
  return (
    <span
      className={`marks${inverted ? ' invalid' : ''}`}
      data-testid="marks-display"
      title={inverted ? 'The out mark is before the in mark' : undefined}
    >
      In {markIn ?? '–'} · Out {markOut !== null ? markOut - 1 : '–'}
      {frames !== null && !inverted && (
        <span className="muted">
          {' '}
          ({frames} f · {frameToSeconds(frames, fps).toFixed(2)} s)
        </span>
      )}
    </span>
  );
}

function PoseToggle() {
  const overlay = usePoses((s) => s.overlay);
  const runCount = usePoses((s) => s.runs.length);
  return (
    <button
      type="button"
      className={`small-button toggle-button${overlay ? ' on' : ''}`}
      data-testid="pose-overlay-toggle"
      aria-pressed={overlay}
      title={`${overlay ? 'Hide' : 'Show'} the pose overlay (P)${runCount === 0 ? ' · no poses for this video yet' : ''}`}
      onClick={(e) => {
        usePoses.getState().setOverlay(!overlay);
        e.currentTarget.blur();
      }}
    >
      Poses
    </button>
  );
}

function Transport({ disabled }: { disabled: boolean }) {
  const playing = usePlayer((s) => s.playing);
  const direction = usePlayer((s) => s.direction);
  const speed = usePlayer((s) => s.speed);
  const hasMarks = usePlayer((s) => s.markIn !== null || s.markOut !== null);
  const p = usePlayer.getState;

  return (
    <div className="transport" data-testid="transport">
      <div className="transport-group">
        <button
          type="button"
          className="icon-button"
          title="First frame (Home)"
          disabled={disabled}
          data-testid="first-frame-button"
          onClick={() => {
            p().pause();
            p().seek(0);
          }}
        >
          <FirstIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          title="Previous frame (←)"
          disabled={disabled}
          data-testid="step-back-button"
          onClick={() => p().step(-1)}
        >
          <StepBackIcon />
        </button>
        <button
          type="button"
          className="icon-button play-button"
          title="Play / pause (Space)"
          disabled={disabled}
          data-testid="play-button"
          aria-pressed={playing}
          onClick={() => p().togglePlay()}
        >
          {playing ? <PauseIcon /> : <PlayIcon />}
        </button>
        <button
          type="button"
          className="icon-button"
          title="Next frame (→)"
          disabled={disabled}
          data-testid="step-forward-button"
          onClick={() => p().step(1)}
        >
          <StepForwardIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          title="Last frame (End)"
          disabled={disabled}
          data-testid="last-frame-button"
          onClick={() => {
            p().pause();
            p().seek(p().frameCount - 1);
          }}
        >
          <LastIcon />
        </button>
        <select
          data-testid="speed-select"
          aria-label="Playback speed"
          title="Playback speed (J / K / L)"
          value={String(speed)}
          onChange={(e) => {
            p().setSpeed(Number(e.target.value));
            // Give the arrow keys back to frame stepping.
            e.currentTarget.blur();
          }}
        >
          {SPEEDS.map((s) => (
            <option key={s} value={String(s)}>
              {s}x
            </option>
          ))}
        </select>
        {playing && direction < 0 && <span className="muted small">reverse</span>}
      </div>
      <FrameCounter />
      <div className="transport-group">
        <PoseToggle />
        <button
          type="button"
          className="small-button"
          disabled={disabled}
          data-testid="mark-in-button"
          title="Mark in at the playhead (I)"
          onClick={() => p().setMarkIn()}
        >
          In
        </button>
        <button
          type="button"
          className="small-button"
          disabled={disabled}
          data-testid="mark-out-button"
          title="Mark out at the playhead, inclusive (O)"
          onClick={() => p().setMarkOut()}
        >
          Out
        </button>
        <MarksReadout />
        {hasMarks && (
          <button
            type="button"
            className="icon-button"
            data-testid="clear-marks-button"
            title="Clear marks (Esc)"
            onClick={() => p().clearMarks()}
          >
            <CloseIcon />
          </button>
        )}
        <button
          type="button"
          className="small-button primary"
          disabled={disabled}
          data-testid="clip-add-button"
          title="Add a clip from the marks (C)"
          onClick={() => addClipFromMarks().catch(ignore)}
        >
          + Add clip
        </button>
      </div>
    </div>
  );
}
