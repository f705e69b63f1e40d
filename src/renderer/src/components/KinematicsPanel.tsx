/**
 * Joint angles and gait of one pose track, under the timeline: which angles to plot (with their
 * min/max/mean/range), the plot synced with the playhead (click or drag to seek), the gait
 * metrics, and CSV / JSON export. Data comes from `kinematics.compute` through the kinematics
 * store; the panel only renders it.
 */
import {
  memo,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
  type ReactNode,
} from 'react';
import { STANDARD_ANGLES } from '../../../shared/kinematics/angles';
import { frameToSeconds } from '../../../shared/timecode';
import { ignore } from '../api';
import {
  SIDE_COLORS,
  angleColor,
  angleLabel,
  drawPlotBase,
  drawPlotOverlay,
  frameAtX,
  plotGeometry,
  prepareCanvas,
  type PlotGeometry,
  type PlotModel,
} from '../player/anglePlot';
import { useClips } from '../store/clips';
import {
  FILTER_DEFAULTS,
  useKinematics,
  type AngleData,
  type Facing,
  type FilterKind,
  type KinematicsData,
  type Target,
} from '../store/kinematics';
import { usePlayer } from '../store/player';
import { usePoses } from '../store/poses';
import { useSelectedVideo } from '../store/videos';
import { useDraft } from '../useDraft';
import { CloseIcon } from './icons';

const FILTERS: { kind: FilterKind; label: string; unit: string; title: string; step: number }[] = [
  {
    kind: 'butterworth',
    label: 'Butterworth',
    unit: 'Hz',
    title: 'Zero-phase low-pass of the keypoints; cutoff below half the frame rate',
    step: 0.5,
  },
  {
    kind: 'gaussian',
    label: 'Gaussian',
    unit: 'σ frames',
    title: 'Gaussian smoothing, sigma in frames',
    step: 0.5,
  },
  { kind: 'median', label: 'Median', unit: 'frames', title: 'Running median; odd window in frames', step: 2 },
  { kind: 'none', label: 'None', unit: '', title: 'Raw angles only', step: 1 },
];

/** Standard segment angles (thigh, shank…): listed under their own, folded, heading. */
const SEGMENT_ANGLES = new Set(
  STANDARD_ANGLES.filter(
    (s) => s.kind === 'segment' && s.name !== 'trunk_lean' && s.name !== 'pelvis_tilt',
  ).map((s) => s.name),
);

const DASH = '—';

function deg(v: number | null | undefined, digits = 1): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(digits)}°` : DASH;
}

/** Degrees in the summary table, whose header carries the unit. */
function bare(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(1) : DASH;
}

function seek(frame: number): void {
  usePlayer.getState().pause();
  usePlayer.getState().seek(frame);
}

/** Enter toggles a checkbox too (Space is the global play/pause key). */
function enterToggles(e: KeyboardEvent<HTMLInputElement>): void {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  e.currentTarget.click();
}

/** The request the panel makes, re-read whenever anything it depends on changes. */
function useTarget(): Target {
  usePoses((s) => s.videoId);
  usePoses((s) => s.runs);
  usePoses((s) => s.selectedRunId);
  useClips((s) => s.clips);
  useKinematics((s) => s.trackChoice);
  useKinematics((s) => s.range);
  useKinematics((s) => s.filter);
  useKinematics((s) => s.facing);
  return useKinematics.getState().target();
}

// ---------------------------------------------------------------------------------------------
// Header controls

function FilterControls() {
  const filter = useKinematics((s) => s.filter);
  const fps = usePlayer((s) => s.fps);
  const [draft, setDraft] = useDraft(String(filter.value));
  const spec = FILTERS.find((f) => f.kind === filter.kind)!;
  const commit = () => {
    const n = Number(draft);
    if (draft.trim() === '' || !Number.isFinite(n) || n <= 0) {
      setDraft(String(filter.value));
      return;
    }
    if (n !== filter.value) useKinematics.getState().setFilter({ kind: filter.kind, value: n });
  };
  return (
    <>
      <select
        data-testid="kinematics-filter-select"
        aria-label="Filter"
        title="How the angles are smoothed (the raw curve stays visible, faint)"
        value={filter.kind}
        onChange={(e) => {
          const kind = e.target.value as FilterKind;
          useKinematics.getState().setFilter({ kind, value: FILTER_DEFAULTS[kind] });
          e.currentTarget.blur();
        }}
      >
        {FILTERS.map((f) => (
          <option key={f.kind} value={f.kind} title={f.title}>
            {f.label}
          </option>
        ))}
      </select>
      {filter.kind !== 'none' && (
        <label
          className="kin-param"
          title={
            spec.title + (filter.kind === 'butterworth' && fps > 0 ? ` (< ${+(fps / 2).toFixed(2)} Hz)` : '')
          }
        >
          <input
            type="number"
            data-testid="kinematics-filter-param"
            aria-label={`Filter ${spec.unit}`}
            min={filter.kind === 'median' ? 3 : 0}
            step={spec.step}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.currentTarget.blur();
              if (e.key === 'Escape') {
                setDraft(String(filter.value));
                const target = e.currentTarget;
                requestAnimationFrame(() => target.blur());
              }
            }}
          />
          <span className="muted">{spec.unit}</span>
        </label>
      )}
    </>
  );
}

function Header({ data }: { data: KinematicsData | null }) {
  const target = useTarget();
  const loading = useKinematics((s) => s.loading);
  const exporting = useKinematics((s) => s.exporting);
  const facing = useKinematics((s) => s.facing);
  const range = useKinematics((s) => s.range);
  const arcs = useKinematics((s) => s.arcs);
  const clipsVideoId = useClips((s) => s.videoId);
  const allClips = useClips((s) => s.clips);
  const videoId = usePoses((s) => s.videoId);
  const clips = clipsVideoId === videoId ? allClips : [];
  const run = target.ok ? target.run : null;
  const rangeValue =
    range.kind === 'clip' && clips.some((c) => c.id === range.clipId) ? `clip:${range.clipId}` : 'video';

  return (
    <div className="kin-header">
      <span className="kin-title">Angles</span>
      {run && target.ok && (
        <select
          data-testid="kinematics-track-select"
          aria-label="Track"
          title={`Track of pose run #${run.id} (${run.model})`}
          value={target.input.trackId}
          onChange={(e) => {
            useKinematics.getState().setTrack(Number(e.target.value));
            e.currentTarget.blur();
          }}
        >
          {run.tracks.map((t) => (
            <option key={t.trackId} value={t.trackId}>
              Track #{t.trackId} · {t.frameCount} f
            </option>
          ))}
        </select>
      )}
      <select
        data-testid="kinematics-range-select"
        aria-label="Frames"
        title="Which frames: a clip's, or the whole video"
        value={rangeValue}
        onChange={(e) => {
          const v = e.target.value;
          useKinematics
            .getState()
            .setRange(
              v.startsWith('clip:') ? { kind: 'clip', clipId: Number(v.slice(5)) } : { kind: 'video' },
            );
          e.currentTarget.blur();
        }}
      >
        <option value="video">Whole video</option>
        {clips.map((c) => (
          <option key={c.id} value={`clip:${c.id}`}>
            {c.label || `Clip ${c.id}`} ({c.inFrame}–{c.outFrame - 1})
          </option>
        ))}
      </select>
      <FilterControls />
      <select
        data-testid="kinematics-facing-select"
        aria-label="Facing"
        title="Which way the athlete faces in the image (sets the sign of flexion)"
        value={facing}
        onChange={(e) => {
          useKinematics.getState().setFacing(e.target.value as Facing);
          e.currentTarget.blur();
        }}
      >
        <option value="auto">Facing: auto</option>
        <option value="left">Faces left</option>
        <option value="right">Faces right</option>
      </select>
      <label className="check small" title="Draw the plotted joint angles as arcs on the video">
        <input
          type="checkbox"
          data-testid="kinematics-arcs-toggle"
          checked={arcs}
          onChange={(e) => useKinematics.getState().setArcs(e.target.checked)}
          onKeyDown={enterToggles}
        />
        Arcs
      </label>
      {loading && (
        <span className="muted small" data-testid="kinematics-loading">
          <span className="spinner" aria-hidden="true" />
          computing…
        </span>
      )}
      <span className="spacer" />
      {data && (
        <span className="muted small mono" title="Frames of the series">
          {data.firstFrame}–{data.firstFrame + data.frameCount - 1}
        </span>
      )}
      <button
        type="button"
        className="small-button"
        data-testid="kinematics-export-csv"
        title="Write the angles (raw and filtered, one row per frame) as CSV"
        disabled={!target.ok || exporting}
        onClick={() => useKinematics.getState().exportAs('csv').catch(ignore)}
      >
        CSV
      </button>
      <button
        type="button"
        className="small-button"
        data-testid="kinematics-export-json"
        title="Write angles, summaries and gait events as JSON"
        disabled={!target.ok || exporting}
        onClick={() => useKinematics.getState().exportAs('json').catch(ignore)}
      >
        JSON
      </button>
      <button
        type="button"
        className="small-button"
        data-testid="kinematics-export-html"
        title="Write the printable report: angle and gait tables, charts with gait events (HTML)"
        disabled={!target.ok || exporting}
        onClick={() => useKinematics.getState().exportAs('html').catch(ignore)}
      >
        Report
      </button>
      <button
        type="button"
        className="icon-button"
        data-testid="kinematics-close"
        title="Close the angles panel"
        aria-label="Close the angles panel"
        onClick={() => useKinematics.getState().close()}
      >
        <CloseIcon />
      </button>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Angle list with summaries

function FrameLink({ value, frame, what }: { value: number | null; frame: number; what: string }) {
  if (value === null || frame < 0) return <td className="num">{DASH}</td>;
  return (
    <td className="num">
      <button
        type="button"
        className="link-button"
        data-testid={`kinematics-${what}-frame`}
        data-frame={frame}
        title={`${what === 'min' ? 'Minimum' : 'Maximum'} at frame ${frame}: go there`}
        onClick={() => seek(frame)}
      >
        {bare(value)}
        <span className="muted kin-at"> @{frame}</span>
      </button>
    </td>
  );
}

function AngleRow({ angle, plotted }: { angle: AngleData; plotted: boolean }) {
  const s = angle.summary;
  const label = angleLabel(angle.name);
  return (
    <tr
      className={plotted ? 'plotted' : undefined}
      data-testid="kinematics-angle-row"
      data-angle={angle.name}
      data-range={s.range ?? ''}
      data-min={s.min ?? ''}
      data-max={s.max ?? ''}
    >
      <td>
        <label
          className="check kin-angle-name"
          title={`${angle.description}; ${angle.validFrames} frames with a value`}
        >
          <input
            type="checkbox"
            data-testid="kinematics-angle-toggle"
            aria-label={`Plot ${label}`}
            checked={plotted}
            onChange={(e) => useKinematics.getState().setPlotted(angle.name, e.target.checked)}
            onKeyDown={enterToggles}
          />
          <span className="swatch" style={{ background: plotted ? angleColor(angle.name) : 'transparent' }} />
          {label}
        </label>
      </td>
      <FrameLink value={s.min} frame={s.minFrame} what="min" />
      <FrameLink value={s.max} frame={s.maxFrame} what="max" />
      <td className="num">{bare(s.mean)}</td>
      <td className="num" data-testid="kinematics-angle-range">
        {bare(s.range)}
      </td>
    </tr>
  );
}

/** "the points lack left_heel, left_big_toe" → "needs left heel, left big toe, which this skeleton lacks". */
function plainReason(reason: string): string {
  const text = reason.replace(/_/g, ' ');
  const lack = /^the points lack (.*)$/.exec(text);
  return lack ? `needs ${lack[1]}, which this skeleton does not have` : text;
}

function Unavailable({ items }: { items: KinematicsData['unavailable'] }) {
  if (items.length === 0) return null;
  // Angles missing for the same reason are listed together.
  const byReason = new Map<string, string[]>();
  for (const u of items) {
    const reason = plainReason(u.reason);
    byReason.set(reason, [...(byReason.get(reason) ?? []), angleLabel(u.name)]);
  }
  return (
    <div className="kin-unavailable small" data-testid="kinematics-unavailable">
      <div className="muted">Not available:</div>
      <ul>
        {[...byReason].map(([reason, names]) => (
          <li key={reason}>
            <span>{names.join(', ')}</span> <span className="muted">— {reason}.</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function AngleTable({ data, plotted }: { data: KinematicsData; plotted: string[] }) {
  const [segments, setSegments] = useState(false);
  const joints = data.angles.filter((a) => !SEGMENT_ANGLES.has(a.name));
  const segs = data.angles.filter((a) => SEGMENT_ANGLES.has(a.name));
  const shownSegs = segments ? segs : segs.filter((a) => plotted.includes(a.name));
  return (
    <div data-testid="kinematics-summary">
      <table className="kin-table">
        <thead>
          <tr>
            <th title="Degrees; min and max with the frame where they occur (click to go there)">
              Angle (°)
            </th>
            <th className="num">Min</th>
            <th className="num">Max</th>
            <th className="num">Mean</th>
            <th className="num" title="Range of motion: max − min">
              Range
            </th>
          </tr>
        </thead>
        <tbody>
          {joints.map((a) => (
            <AngleRow key={a.name} angle={a} plotted={plotted.includes(a.name)} />
          ))}
          {segs.length > 0 && (
            <tr className="kin-group">
              <td colSpan={5}>
                <button
                  type="button"
                  className="link-button"
                  aria-expanded={segments}
                  data-testid="kinematics-segments-toggle"
                  title="Segment angles: each segment's direction from the forward horizontal"
                  onClick={() => setSegments((on) => !on)}
                >
                  {segments ? '▾' : '▸'} Segment angles ({segs.length})
                </button>
              </td>
            </tr>
          )}
          {shownSegs.map((a) => (
            <AngleRow key={a.name} angle={a} plotted={plotted.includes(a.name)} />
          ))}
        </tbody>
      </table>
      <Unavailable items={data.unavailable} />
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Gait

type Metrics = Record<string, unknown>;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function sideMetric(
  m: Metrics,
  key: string,
): { left: number | null; right: number | null; mean: number | null; symmetry: number | null } {
  const o = (m[key] ?? {}) as Record<string, unknown>;
  return { left: num(o.left), right: num(o.right), mean: num(o.mean), symmetry: num(o.symmetry) };
}

const secs = (v: number | null) => (v === null ? DASH : `${v.toFixed(3)} s`);
const pct = (v: number | null) => (v === null ? DASH : `${v > 0 ? '+' : ''}${v.toFixed(1)} %`);

function GaitSummary({ data }: { data: KinematicsData }) {
  const gait = data.gait;
  if (!gait) {
    return (
      <div className="kin-gait" data-testid="kinematics-gait">
        <div className="notice small" data-testid="kinematics-gait-error">
          No gait events: {data.gaitError ?? 'they could not be found in these frames.'}
        </div>
      </div>
    );
  }
  const m = gait.metrics;
  const rows: [string, string, string][] = [
    ['Step time', 'stepTime', "From the other foot's strike to this foot's strike"],
    ['Stride time', 'strideTime', 'Between two strikes of the same foot'],
    ['Contact time', 'contactTime', 'Foot strike to toe-off (on the ground)'],
    ['Swing time', 'swingTime', 'Toe-off to the next strike (in the air)'],
  ];
  const count = (side: 'left' | 'right', kind: 'foot_strike' | 'toe_off') =>
    gait.events.filter((e) => e.side === side && e.kind === kind).length;
  const running = gait.mode === 'run';
  return (
    <div
      className="kin-gait"
      data-testid="kinematics-gait"
      data-mode={gait.mode}
      data-events={gait.events.length}
    >
      <div className="kin-gait-mode small">
        {running ? 'Running' : 'Walking'} <span className="muted">· events by the {gait.method} method</span>
      </div>
      <table className="kin-table kin-gait-table">
        <thead>
          <tr>
            <th>Time</th>
            <th className="num">Left</th>
            <th className="num">Right</th>
            <th className="num">Mean</th>
            <th className="num" title="Symmetry index: 100 · (right − left) / mean of both">
              Symmetry
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, key, title]) => {
            const v = sideMetric(m, key);
            return (
              <tr key={key} data-testid={`kinematics-gait-${key}`}>
                <td title={title}>{label}</td>
                <td className="num">{secs(v.left)}</td>
                <td className="num">{secs(v.right)}</td>
                <td className="num">{secs(v.mean)}</td>
                <td className="num">{pct(v.symmetry)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <dl className="kin-gait-facts">
        <dt>Cadence</dt>
        <dd data-testid="kinematics-cadence">
          {num(m.cadence) === null ? DASH : `${num(m.cadence)!.toFixed(1)} steps/min`}
        </dd>
        {running ? (
          <>
            <dt title="Both feet off the ground: toe-off to the other foot's strike">Flight</dt>
            <dd>{secs(num(m.flightTime))}</dd>
          </>
        ) : (
          <>
            <dt title="Both feet on the ground, per stride">Double support</dt>
            <dd>{secs(num(m.doubleSupportTime))}</dd>
          </>
        )}
        <dt title="Contact time / stride time (below 0.5: running)">Duty factor</dt>
        <dd>{num(m.dutyFactor) === null ? DASH : num(m.dutyFactor)!.toFixed(2)}</dd>
        <dt title={`Detected with the ${gait.method} method`}>Events</dt>
        <dd>
          L {count('left', 'foot_strike')}▼ {count('left', 'toe_off')}○ · R {count('right', 'foot_strike')}▼{' '}
          {count('right', 'toe_off')}○
        </dd>
      </dl>
      {gait.warnings.length > 0 && (
        <ul className="kin-warnings small" data-testid="kinematics-gait-warnings">
          {gait.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

type SideTab = 'angles' | 'gait';

/** Angles (tick to plot, with their summaries) and gait metrics, one at a time beside the plot. */
function SidePane({
  data,
  plotted,
  tab,
  onTab,
}: {
  data: KinematicsData;
  plotted: string[];
  tab: SideTab;
  onTab(tab: SideTab): void;
}) {
  const cadence = data.gait ? num(data.gait.metrics.cadence) : null;
  const alert = data.gait ? data.gait.warnings.length > 0 : data.gaitError !== null;
  const tabButton = (id: SideTab, label: ReactNode, title: string) => (
    <button
      type="button"
      role="tab"
      className={`kin-tab${tab === id ? ' on' : ''}`}
      aria-selected={tab === id}
      data-testid={`kinematics-tab-${id}`}
      title={title}
      onClick={(e) => {
        onTab(id);
        e.currentTarget.blur();
      }}
    >
      {label}
    </button>
  );
  return (
    <div className="kin-side">
      <div className="kin-tabs" role="tablist" aria-label="Summary">
        {tabButton(
          'angles',
          `Angles (${data.angles.length})`,
          'Angles to plot, with min, max, mean and range',
        )}
        {tabButton(
          'gait',
          <>
            Gait
            {cadence !== null && <span className="muted"> · {cadence.toFixed(0)} steps/min</span>}
            {alert && (
              <span className="kin-alert" aria-label="with warnings">
                {' '}
                !
              </span>
            )}
          </>,
          'Gait events and timing: cadence, step, stride, contact and swing times',
        )}
      </div>
      <div className="kin-side-scroll" role="tabpanel">
        {tab === 'angles' ? <AngleTable data={data} plotted={plotted} /> : <GaitSummary data={data} />}
      </div>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Plot

function LegendValue({ angle, firstFrame }: { angle: AngleData; firstFrame: number }) {
  const frame = usePlayer((s) => s.frame);
  const v = angle.filtered[frame - firstFrame];
  return <span className="mono kin-legend-value">{deg(v)}</span>;
}

function Legend({ data, angles }: { data: KinematicsData; angles: AngleData[] }) {
  return (
    <div className="kin-legend" data-testid="kinematics-legend">
      {angles.map((a) => (
        <span
          key={a.name}
          className="kin-legend-entry"
          data-testid="kinematics-legend-entry"
          data-angle={a.name}
          title={`${a.description}. Value at the playhead; thick: filtered, thin: raw`}
        >
          <span className="kin-legend-line" style={{ background: angleColor(a.name) }} />
          {angleLabel(a.name)}
          <LegendValue angle={a} firstFrame={data.firstFrame} />
        </span>
      ))}
      <span className="spacer" />
      {data.gait && (
        <span className="kin-legend-events muted" title="Gait events above the plot: left row L, right row R">
          <span style={{ color: SIDE_COLORS.left }}>L</span>/
          <span style={{ color: SIDE_COLORS.right }}>R</span> ▼ foot strike ○ toe-off
        </span>
      )}
    </div>
  );
}

interface Hover {
  frame: number;
  x: number;
}

const AnglePlot = memo(function AnglePlot({ data, angles }: { data: KinematicsData; angles: AngleData[] }) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const baseRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [hover, setHover] = useState<Hover | null>(null);
  const hoverRef = useRef<number | null>(null);
  const fps = usePlayer((s) => s.fps);

  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const model = useMemo<PlotModel>(
    () => ({
      firstFrame: data.firstFrame,
      frameCount: data.frameCount,
      series: angles.map((a) => ({
        name: a.name,
        color: angleColor(a.name),
        raw: a.raw,
        filtered: a.filtered,
      })),
      events: data.gait?.events ?? [],
    }),
    [data, angles],
  );
  const geometry = useMemo<PlotGeometry | null>(
    () => (size.w > 20 && size.h > 20 ? plotGeometry(model, size.w, size.h) : null),
    [model, size],
  );

  // The base layer: only when the data, the selection or the size change.
  useEffect(() => {
    const canvas = baseRef.current;
    if (!canvas || !geometry) return;
    const ctx = prepareCanvas(canvas, geometry.width, geometry.height, window.devicePixelRatio || 1);
    if (!ctx) return;
    const stats = drawPlotBase(ctx, model, geometry);
    // End-to-end tests read what was drawn.
    canvas.dataset.points = String(stats.points);
    canvas.dataset.rawPoints = String(stats.rawPoints);
    canvas.dataset.gaps = String(stats.gaps);
    canvas.dataset.angles = model.series.map((s) => s.name).join(',');
    canvas.dataset.yMin = String(geometry.yMin);
    canvas.dataset.yMax = String(geometry.yMax);
  }, [model, geometry]);

  // The overlay: on every playhead move, without re-rendering React.
  useEffect(() => {
    const canvas = overlayRef.current;
    if (!canvas || !geometry) return;
    const draw = () => {
      const ctx = prepareCanvas(canvas, geometry.width, geometry.height, window.devicePixelRatio || 1);
      if (!ctx) return;
      const frame = usePlayer.getState().frame;
      drawPlotOverlay(ctx, model, geometry, frame, hoverRef.current);
      canvas.dataset.playhead = String(frame);
    };
    draw();
    return usePlayer.subscribe((s, prev) => {
      if (s.frame !== prev.frame) draw();
    });
  }, [model, geometry, hover]);

  const frameAt = (e: PointerEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    return geometry ? frameAtX(geometry, e.clientX - rect.left) : null;
  };

  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    const frame = frameAt(e);
    if (frame === null) return;
    e.preventDefault();
    // Keys go back to the player (arrows step frames) rather than a field left focused.
    wrapRef.current?.focus();
    e.currentTarget.setPointerCapture(e.pointerId);
    seek(frame);
  };

  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const frame = frameAt(e);
    if (frame === null) return;
    hoverRef.current = frame;
    setHover({ frame, x: e.clientX - e.currentTarget.getBoundingClientRect().left });
    if (e.currentTarget.hasPointerCapture(e.pointerId)) usePlayer.getState().seek(frame);
  };

  const leave = () => {
    hoverRef.current = null;
    setHover(null);
  };

  const hoverIndex = hover ? hover.frame - data.firstFrame : -1;
  return (
    <div
      className="kin-plot"
      ref={wrapRef}
      tabIndex={0}
      data-testid="kinematics-plot"
      aria-label="Angle plot: click or drag to move the playhead; arrow keys step frames"
    >
      <canvas ref={baseRef} data-testid="kinematics-plot-canvas" />
      <canvas
        ref={overlayRef}
        className="kin-plot-overlay"
        data-testid="kinematics-plot-overlay"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={(e) => {
          if (e.currentTarget.hasPointerCapture(e.pointerId))
            e.currentTarget.releasePointerCapture(e.pointerId);
        }}
        onPointerLeave={leave}
      />
      {hover && geometry && (
        <div
          className="kin-hover"
          data-testid="kinematics-hover"
          data-frame={hover.frame}
          style={
            hover.x > geometry.width / 2 ? { right: geometry.width - hover.x + 10 } : { left: hover.x + 10 }
          }
        >
          <div className="mono">
            Frame {hover.frame}
            {fps > 0 && <span className="muted"> · {frameToSeconds(hover.frame, fps).toFixed(2)} s</span>}
          </div>
          {angles.map((a) => (
            <div key={a.name} className="kin-hover-row">
              <span className="kin-legend-line" style={{ background: angleColor(a.name) }} />
              <span>{angleLabel(a.name)}</span>
              <span className="mono">{deg(a.filtered[hoverIndex])}</span>
              <span className="mono muted" title="raw">
                {deg(a.raw[hoverIndex])}
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
});

// ---------------------------------------------------------------------------------------------

function PanelBody({ tab, onTab }: { tab: SideTab; onTab(tab: SideTab): void }) {
  const data = useKinematics((s) => s.data);
  const error = useKinematics((s) => s.error);
  const loading = useKinematics((s) => s.loading);
  const plotted = useKinematics((s) => s.plotted);
  const target = useTarget();
  const angles = useMemo(
    () =>
      data
        ? plotted.map((n) => data.angles.find((a) => a.name === n)).filter((a): a is AngleData => !!a)
        : [],
    [data, plotted],
  );

  let message: string | null = null;
  if (!target.ok) {
    message =
      target.reason === 'no-video'
        ? 'Select a video to see its joint angles.'
        : target.reason === 'no-run'
          ? 'No pose run for this video yet. Detect or import poses (Poses, in the video list) to see joint angles.'
          : 'The selected pose run has no tracks: no person was found.';
  } else if (!data && !error) message = loading ? 'Computing angles…' : null;

  if (message || error || !data) {
    return (
      <div className="kin-message">
        {message && (
          <p className="muted" data-testid="kinematics-message">
            {message}
          </p>
        )}
        {error && (
          <div className="inline-error" data-testid="kinematics-error">
            {error}
          </div>
        )}
      </div>
    );
  }

  return (
    <div className="kin-body">
      <SidePane data={data} plotted={plotted} tab={tab} onTab={onTab} />
      <div className="kin-main">
        <Legend data={data} angles={angles} />
        {angles.length > 0 ? (
          <AnglePlot data={data} angles={angles} />
        ) : (
          <div className="kin-plot kin-plot-empty muted" data-testid="kinematics-message">
            Tick angles in the list to plot them.
          </div>
        )}
      </div>
    </div>
  );
}

function Panel() {
  const video = useSelectedVideo();
  const data = useKinematics((s) => s.data);
  const error = useKinematics((s) => s.error);
  const loading = useKinematics((s) => s.loading);
  // Kept here so a refetch (which briefly has no data after an error) does not reset the tab.
  const [tab, setTab] = useState<SideTab>('angles');
  // Follow the pose run, clips and pushed pose changes while the panel is shown.
  useEffect(() => useKinematics.getState().attach(), []);
  return (
    <section
      className="kinematics-panel"
      data-testid="kinematics-panel"
      data-video-id={video?.id}
      data-run-id={data?.runId}
      data-track-id={data?.trackId}
      data-in={data?.inFrame}
      data-out={data?.outFrame}
      data-state={loading ? 'loading' : error ? 'error' : data ? 'ready' : 'empty'}
    >
      <Header data={data} />
      <PanelBody tab={tab} onTab={setTab} />
    </section>
  );
}

/** The panel, when open (PoseList's "Angles" button on a track opens it). */
export function KinematicsPanel() {
  const open = useKinematics((s) => s.open);
  return open ? <Panel /> : null;
}
