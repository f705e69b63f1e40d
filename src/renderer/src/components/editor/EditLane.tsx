/**
 * The edited track's lane on the timeline (edit mode): where it has poses, its problems (gaps,
 * low-confidence stretches, jumps, left/right swap suspects), the frames people changed (coloured
 * by provenance) and its keyframes, so an annotator sees the bad parts of a long track at a
 * glance. Drawn on a canvas once per change of the data (never per playhead move); it sits inside
 * the timeline's scrubber, so clicking or dragging it seeks like the rest of the timeline.
 */
import { memo, useEffect, useMemo, useRef } from 'react';
import { PROVENANCE_MASK } from '../../../../shared/editing/provenance';
import { KEYFRAME_COLOR, PROBLEM_COLORS, PROVENANCE_STYLE } from '../../player/editOverlay';
import { trackColor } from '../../player/poseData';
import { useEditor } from '../../store/editor';

const LANE_PX = 16;

export const EditLane = memo(function EditLane({
  videoId,
  frameCount,
  width,
}: {
  videoId: number;
  frameCount: number;
  width: number;
}) {
  const active = useEditor((s) => s.active && s.videoId === videoId);
  const data = useEditor((s) => s.data);
  const prov = useEditor((s) => s.prov);
  const problems = useEditor((s) => s.problems);
  const trackId = useEditor((s) => s.trackId);
  const ref = useRef<HTMLCanvasElement>(null);
  const track = data?.tracks.find((t) => t.trackId === trackId);
  const mine = useMemo(() => problems.filter((p) => p.trackId === trackId), [problems, trackId]);

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !active) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(width * dpr));
    const h = Math.max(1, Math.round(LANE_PX * dpr));
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    const ctx = canvas.getContext('2d');
    if (!ctx || frameCount <= 0) return;
    ctx.clearRect(0, 0, w, h);
    const x = (f: number) => (f / frameCount) * w;
    const span = (a: number, b: number, y: number, hh: number) =>
      ctx.fillRect(Math.floor(x(a)), y, Math.max(1, Math.round(x(b) - x(a))), hh);
    const top = Math.round(5 * dpr);
    const mid = Math.round(6 * dpr);

    // Coverage: where the track has poses.
    if (track) {
      ctx.fillStyle = trackColor(track.trackId, 0.45);
      const seg = track.segments;
      for (let i = 0; i + 1 < seg.length; i += 2) span(seg[i], seg[i + 1] + 1, top, mid);
    }
    // Problems over it, one colour per kind.
    for (const p of mine) {
      ctx.fillStyle = PROBLEM_COLORS[p.kind] ?? '#fff';
      span(p.inFrame, p.outFrame, top, mid);
    }
    // Frames a person (or an edit) changed: per pixel column, the first non-model provenance.
    let count = 0;
    if (prov && track && prov.trackId === track.trackId && data) {
      const k = data.k;
      let column = -1;
      let colour: string | null = null;
      const flushColumn = () => {
        if (column >= 0 && colour) {
          ctx.fillStyle = colour;
          ctx.fillRect(column, 0, 1, top - dpr);
        }
      };
      for (let i = 0; i < prov.frames.length; i++) {
        let code = 0;
        for (let j = 0; j < k && !code; j++) code = prov.codes[i * k + j] & PROVENANCE_MASK;
        if (!code) continue;
        count++;
        const c = Math.floor(x(prov.frames[i]));
        if (c !== column) {
          flushColumn();
          column = c;
          colour = null;
        }
        colour ??= PROVENANCE_STYLE[code]?.color ?? '#fff';
      }
      flushColumn();
      // Keyframes: a tick through the lane.
      ctx.fillStyle = KEYFRAME_COLOR;
      for (const f of prov.keyframes) {
        const kx = Math.floor(x(f + 0.5));
        ctx.fillRect(kx, 0, Math.max(1, Math.round(dpr)), h);
        ctx.fillRect(kx - dpr, h - 2 * dpr, 3 * dpr, 2 * dpr);
      }
    }
    canvas.dataset.edited = String(count);
    canvas.dataset.drawMs = (performance.now() - t0).toFixed(2);
  }, [active, track, prov, mine, data, width, frameCount]);

  if (!active || !track) return null;
  const gaps = mine.filter((p) => p.kind === 'gap').length;
  return (
    <canvas
      ref={ref}
      className="timeline-edit-lane"
      data-testid="timeline-edit-lane"
      data-track-id={track.trackId}
      data-keyframes={prov?.trackId === track.trackId ? prov.keyframes.length : 0}
      data-problems={mine.length}
      data-gaps={gaps}
      title={`Track #${track.trackId}: ${mine.length} problem${mine.length === 1 ? '' : 's'} (${gaps} gap${gaps === 1 ? '' : 's'}), ${prov?.keyframes.length ?? 0} keyframe${prov?.keyframes.length === 1 ? '' : 's'}. N / Shift+N go to the next / previous problem.`}
    />
  );
});
