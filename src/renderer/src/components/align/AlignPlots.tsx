/**
 * The warping path (reference frame across, learner frame up; click or drag on it to go there)
 * and, on the same reference-frame axis under it, the learner − reference difference of the
 * chosen joint angles with the motion's phases shaded. Both mark the current position.
 */
import { memo, useEffect, useMemo, useRef, useState, type PointerEvent, type RefObject } from 'react';
import {
  diffGeometry,
  drawDiffBase,
  drawDiffOverlay,
  drawPathBase,
  drawPathOverlay,
  nearestPathPoint,
  pathGeometry,
  referenceAtX,
  rowOf,
  type DiffModel,
  type PathModel,
} from '../../player/alignPlot';
import { angleColor, angleLabel, prepareCanvas } from '../../player/anglePlot';
import {
  anglesByDifference,
  learnerFrameOf,
  referenceFrameOf,
  useAlign,
  type AlignData,
  type AngleDiff,
} from '../../store/align';

function useSize(ref: RefObject<HTMLElement | null>): { w: number; h: number } {
  const [size, setSize] = useState({ w: 0, h: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

const dpr = () => window.devicePixelRatio || 1;

function seekLearner(frame: number): void {
  useAlign.getState().pause();
  useAlign.getState().seek(frame);
}

const PathPlot = memo(function PathPlot({ data }: { data: AlignData }) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const baseRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const hoverRef = useRef<number | null>(null);
  const drawOverlayRef = useRef<() => void>(() => {});
  const size = useSize(wrapRef);

  const model = useMemo<PathModel>(
    () => ({
      learner: data.pathLearner,
      reference: data.pathReference,
      learnerAxis: { first: data.learnerStart, last: data.learnerEnd },
      referenceAxis: { first: data.referenceStart, last: data.referenceEnd },
      learnerFps: data.learnerFps,
      referenceFps: data.referenceFps,
      findings: data.coaching?.findings ?? [],
    }),
    [data],
  );
  const geometry = useMemo(
    () => (size.w > 40 && size.h > 40 ? pathGeometry(model, size.w, size.h) : null),
    [model, size],
  );

  useEffect(() => {
    const canvas = baseRef.current;
    if (!canvas || !geometry) return;
    const ctx = prepareCanvas(canvas, geometry.width, geometry.height, dpr());
    if (!ctx) return;
    // End-to-end tests read what was drawn.
    canvas.dataset.points = String(drawPathBase(ctx, model, geometry));
  }, [model, geometry]);

  useEffect(() => {
    const canvas = overlayRef.current;
    if (!canvas || !geometry) return;
    const draw = () => {
      const ctx = prepareCanvas(canvas, geometry.width, geometry.height, dpr());
      if (!ctx) return;
      const learner = useAlign.getState().frame;
      const reference = referenceFrameOf(data, learner);
      drawPathOverlay(ctx, model, geometry, { learner, reference }, hoverRef.current);
      canvas.dataset.learner = String(learner);
      canvas.dataset.reference = String(reference);
    };
    drawOverlayRef.current = draw;
    draw();
    return useAlign.subscribe((s, prev) => {
      if (s.frame !== prev.frame) draw();
    });
  }, [data, model, geometry]);

  const pointAt = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!geometry) return -1;
    const rect = e.currentTarget.getBoundingClientRect();
    return nearestPathPoint(model, geometry, e.clientX - rect.left, e.clientY - rect.top);
  };

  return (
    <div
      className="align-plot align-path-plot"
      ref={wrapRef}
      data-testid="align-path-plot"
      aria-label="Warping path: reference frame across, learner frame up. Click or drag on it to go there."
    >
      <canvas ref={baseRef} data-testid="align-path-canvas" />
      <canvas
        ref={overlayRef}
        className="align-plot-overlay"
        data-testid="align-path-overlay"
        onPointerDown={(e) => {
          if (e.button !== 0) return;
          const t = pointAt(e);
          if (t < 0) return;
          e.preventDefault();
          e.currentTarget.setPointerCapture(e.pointerId);
          seekLearner(model.learner[t]);
        }}
        onPointerMove={(e) => {
          const t = pointAt(e);
          if (t < 0) return;
          hoverRef.current = t;
          if (e.currentTarget.hasPointerCapture(e.pointerId)) useAlign.getState().seek(model.learner[t]);
          else drawOverlayRef.current();
        }}
        onPointerUp={(e) => {
          if (e.currentTarget.hasPointerCapture(e.pointerId))
            e.currentTarget.releasePointerCapture(e.pointerId);
        }}
        onPointerLeave={() => {
          hoverRef.current = null;
          drawOverlayRef.current();
        }}
      />
    </div>
  );
});

function deg(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v > 0 ? '+' : ''}${v.toFixed(1)}°` : '—';
}

const DiffPlot = memo(function DiffPlot({ data, angles }: { data: AlignData; angles: AngleDiff[] }) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const baseRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ frame: number; x: number } | null>(null);
  const size = useSize(wrapRef);

  const model = useMemo<DiffModel>(
    () => ({
      referenceAxis: { first: data.referenceStart, last: data.referenceEnd },
      rows: data.referenceRows,
      series: angles.map((a) => ({ name: a.name, color: angleColor(a.name), diff: a.diff })),
      phases: (data.coaching?.phases ?? []).map((p) => ({
        index: p.index,
        start: p.reference.start,
        end: p.reference.end,
      })),
    }),
    [data, angles],
  );
  const geometry = useMemo(
    () => (size.w > 40 && size.h > 40 ? diffGeometry(model, size.w, size.h) : null),
    [model, size],
  );

  useEffect(() => {
    const canvas = baseRef.current;
    if (!canvas || !geometry) return;
    const ctx = prepareCanvas(canvas, geometry.width, geometry.height, dpr());
    if (!ctx) return;
    canvas.dataset.points = String(drawDiffBase(ctx, model, geometry));
    canvas.dataset.angles = model.series.map((s) => s.name).join(',');
  }, [model, geometry]);

  useEffect(() => {
    const canvas = overlayRef.current;
    if (!canvas || !geometry) return;
    const draw = () => {
      const ctx = prepareCanvas(canvas, geometry.width, geometry.height, dpr());
      if (!ctx) return;
      const reference = referenceFrameOf(data, useAlign.getState().frame);
      drawDiffOverlay(ctx, model, geometry, reference, hover?.frame ?? null);
      canvas.dataset.reference = String(reference);
    };
    draw();
    return useAlign.subscribe((s, prev) => {
      if (s.frame !== prev.frame) draw();
    });
  }, [data, model, geometry, hover]);

  const frameAt = (e: PointerEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    return geometry ? referenceAtX(geometry, e.clientX - rect.left) : null;
  };
  const row = hover ? rowOf(data.referenceRows, hover.frame) : -1;

  return (
    <div
      className="align-plot align-diff-plot"
      ref={wrapRef}
      data-testid="align-diff-plot"
      aria-label="Angle differences, learner minus reference, by reference frame. Click to go there."
    >
      <canvas ref={baseRef} data-testid="align-diff-canvas" />
      <canvas
        ref={overlayRef}
        className="align-plot-overlay"
        data-testid="align-diff-overlay"
        onPointerDown={(e) => {
          const frame = frameAt(e);
          if (e.button !== 0 || frame === null) return;
          e.preventDefault();
          e.currentTarget.setPointerCapture(e.pointerId);
          seekLearner(learnerFrameOf(data, frame));
        }}
        onPointerMove={(e) => {
          const frame = frameAt(e);
          if (frame === null) return;
          setHover({ frame, x: e.clientX - e.currentTarget.getBoundingClientRect().left });
          if (e.currentTarget.hasPointerCapture(e.pointerId))
            useAlign.getState().seek(learnerFrameOf(data, frame));
        }}
        onPointerUp={(e) => {
          if (e.currentTarget.hasPointerCapture(e.pointerId))
            e.currentTarget.releasePointerCapture(e.pointerId);
        }}
        onPointerLeave={() => setHover(null)}
      />
      {hover && geometry && angles.length > 0 && (
        <div
          className="kin-hover align-hover"
          style={
            hover.x > geometry.width / 2 ? { right: geometry.width - hover.x + 10 } : { left: hover.x + 10 }
          }
        >
          <div className="mono">
            Reference {hover.frame}{' '}
            <span className="muted">· learner {learnerFrameOf(data, hover.frame)}</span>
          </div>
          {angles.map((a) => (
            <div key={a.name} className="align-hover-row">
              <span className="kin-legend-line" style={{ background: angleColor(a.name) }} />
              <span>{angleLabel(a.name)}</span>
              <span className="mono">{deg(row >= 0 ? a.diff[row] : null)}</span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
});

/** Chips shown before "more": the angles that differ least are rarely worth a curve. */
const CHIPS_FOLDED = 6;

/** Toggles for the difference curves: the compared angles, most different first. */
function AngleChips({ all, plotted }: { all: AngleDiff[]; plotted: string[] }) {
  const [expanded, setExpanded] = useState(false);
  const shown = expanded ? all : all.filter((a, i) => i < CHIPS_FOLDED || plotted.includes(a.name));
  const hidden = all.length - shown.length;
  return (
    <div className="align-chips" role="group" aria-label="Angle differences to plot">
      <span className="muted small align-chips-title" title="Learner − reference; positive = more">
        Δ angle
      </span>
      {shown.map((a) => {
        const on = plotted.includes(a.name);
        return (
          <button
            key={a.name}
            type="button"
            className={`align-chip${on ? ' on' : ''}`}
            data-testid="align-angle-chip"
            data-angle={a.name}
            aria-pressed={on}
            title={`${angleLabel(a.name)}: mean difference ${deg(a.meanDiff)}, largest ${deg(a.maxAbsDiff)} (learner frame ${a.at.learner}, reference ${a.at.reference})`}
            onClick={() => useAlign.getState().setPlotted(a.name, !on)}
          >
            <span
              className="kin-legend-line"
              style={{ background: on ? angleColor(a.name) : 'var(--line-2)' }}
            />
            {angleLabel(a.name)}
            <span className="mono muted">
              {a.meanAbsDiff !== null && Number.isFinite(a.meanAbsDiff)
                ? `${a.meanAbsDiff.toFixed(1)}°`
                : '—'}
            </span>
          </button>
        );
      })}
      {(hidden > 0 || expanded) && (
        <button
          type="button"
          className="link-button align-chips-more"
          data-testid="align-angle-more"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? 'fewer' : `${hidden} more…`}
        </button>
      )}
    </div>
  );
}

export function AlignPlots({ data }: { data: AlignData }) {
  const plotted = useAlign((s) => s.plotted);
  const all = useMemo(() => anglesByDifference(data), [data]);
  const angles = useMemo(() => all.filter((a) => plotted.includes(a.name)), [all, plotted]);
  return (
    <div className="align-plots">
      <PathPlot data={data} />
      {data.coaching && all.length > 0 ? (
        <>
          <AngleChips all={all} plotted={plotted} />
          <DiffPlot data={data} angles={angles} />
        </>
      ) : (
        <div className="align-plot-empty muted small">
          No angle differences: {data.coachingError ?? 'the tracks have no joint angles to compare.'}
        </div>
      )}
    </div>
  );
}
