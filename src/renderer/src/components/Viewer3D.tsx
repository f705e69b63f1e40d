/**
 * The 3D viewer of a lifted track, beside the player and synced with its playhead: the skeleton of
 * the current frame (bones as tubes, left blue / right orange / centre grey), a ground grid, the
 * root trail up to this frame, orbit by dragging and zoom with the wheel; export buttons and an MP4
 * render. three.js on WebGL (SwiftShader in headless Chromium); it draws only when something
 * changed. The scene is the shared one of the MP4 render (shared/lifting/scene3d.ts).
 */
import { useEffect, useRef, useState } from 'react';
import {
  BufferAttribute,
  BufferGeometry,
  Color,
  CylinderGeometry,
  Group,
  Line,
  LineBasicMaterial,
  LineSegments,
  Mesh,
  MeshBasicMaterial,
  PerspectiveCamera,
  Quaternion,
  Scene,
  SphereGeometry,
  SRGBColorSpace,
  Vector3,
  WebGLRenderer,
} from 'three';
import { BONES, boneSide, posedAt, SIDE_COLORS, type Scene3d } from '../../../shared/lifting/scene3d';
import { ignore } from '../api';
import { useLift } from '../store/lift';
import { usePlayer } from '../store/player';
import './Viewer3D.css';

interface Orbit {
  azimuth: number;
  elevation: number;
  distance: number;
}

const DEFAULT_ORBIT: Orbit = { azimuth: 0.7, elevation: 0.25, distance: 4.2 };
/** The shared sRGB colours as three.js colours (three works in linear light). */
const rgb = (c: readonly number[]) => new Color().setRGB(c[0] / 255, c[1] / 255, c[2] / 255, SRGBColorSpace);

/**
 * A 10 m ground grid of 0.5 m squares made of 0.5 m segments: a long line with one end behind the
 * camera is dropped whole by some GL implementations (SwiftShader), short segments lose only
 * themselves. Every other line is brighter.
 */
function groundGrid(): LineSegments {
  const half = 5;
  const step = 0.5;
  const n = (2 * half) / step;
  const positions: number[] = [];
  const colors: number[] = [];
  const strong = new Color(0x59606c);
  const weak = new Color(0x343942);
  for (let i = 0; i <= n; i++) {
    const a = -half + i * step;
    const c = i % 2 === 0 ? strong : weak;
    for (let k = 0; k < n; k++) {
      const b0 = -half + k * step;
      positions.push(a, 0, b0, a, 0, b0 + step, b0, 0, a, b0 + step, 0, a);
      for (let v = 0; v < 4; v++) colors.push(c.r, c.g, c.b);
    }
  }
  const g = new BufferGeometry();
  g.setAttribute('position', new BufferAttribute(new Float32Array(positions), 3));
  g.setAttribute('color', new BufferAttribute(new Float32Array(colors), 3));
  return new LineSegments(g, new LineBasicMaterial({ vertexColors: true }));
}

/** The three.js objects of one viewer; `update` poses them for a frame and draws. */
class SkeletonView {
  readonly renderer: WebGLRenderer;
  private readonly scene = new Scene();
  private readonly camera = new PerspectiveCamera(40, 1, 0.05, 200);
  private readonly bones: Mesh[] = [];
  private readonly joints: Mesh[] = [];
  private readonly grid: LineSegments;
  private readonly trail: Line;
  private readonly skeleton = new Group();

  constructor(canvas: HTMLCanvasElement) {
    this.renderer = new WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.scene.background = new Color(0x181b21);
    this.grid = groundGrid();
    this.scene.add(this.grid);
    const tube = new CylinderGeometry(0.022, 0.022, 1, 8);
    tube.translate(0, 0.5, 0); // from the parent joint (origin) to the child (y = 1)
    for (const [, c] of BONES) {
      const m = new Mesh(tube, new MeshBasicMaterial({ color: rgb(SIDE_COLORS[boneSide(c)]) }));
      this.bones.push(m);
      this.skeleton.add(m);
    }
    const ball = new SphereGeometry(0.03, 10, 8);
    for (let j = 0; j < 17; j++) {
      const m = new Mesh(ball, new MeshBasicMaterial({ color: 0xfafafa }));
      this.joints.push(m);
      this.skeleton.add(m);
    }
    this.scene.add(this.skeleton);
    this.trail = new Line(new BufferGeometry(), new LineBasicMaterial({ color: 0x5ac878 }));
    this.scene.add(this.trail);
  }

  setScene(s: Scene3d): void {
    // Rows without a pose repeat the last posed point (a NaN vertex would break three's bounds).
    const points = new Float32Array(s.frames * 3);
    let last: number[] | null = null;
    for (let t = 0; t < s.frames; t++) {
      if (posedAt(s, t)) last = [s.root[t * 3], s.groundY + 0.004, s.root[t * 3 + 2]];
      points.set(last ?? [0, s.groundY, 0], t * 3);
    }
    const g = new BufferGeometry();
    g.setAttribute('position', new BufferAttribute(points, 3));
    this.trail.geometry.dispose();
    this.trail.geometry = g;
  }

  /** Poses row `t` of the scene and draws; returns a digest of the drawn pose (for tests). */
  update(s: Scene3d, t: number, orbit: Orbit, width: number, height: number): string {
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / Math.max(1, height);
    const posed = posedAt(s, t);
    this.skeleton.visible = posed;
    // Trail up to the last posed frame so far.
    let upTo = 0;
    for (let u = 0; u <= Math.min(t, s.frames - 1); u++) if (posedAt(s, u)) upTo = u + 1;
    this.trail.geometry.setDrawRange(0, upTo);
    // Orbit around the pelvis (or the nearest posed one), keeping the grid where it is.
    let target = new Vector3(0, s.groundY + 0.9, 0);
    for (let d = 0; d < s.frames; d++) {
      const u = [t - d, t + d].find((x) => posedAt(s, x));
      if (u !== undefined) {
        target = new Vector3(s.root[u * 3], s.groundY + 0.9, s.root[u * 3 + 2]);
        break;
      }
    }
    // The grid follows the athlete in whole metres (two squares), so its lines stay put in the world.
    this.grid.position.set(Math.round(target.x), s.groundY, Math.round(target.z));
    const { azimuth: az, elevation: el, distance: d } = orbit;
    this.camera.position.set(
      target.x + d * Math.cos(el) * Math.sin(az),
      target.y + d * Math.sin(el),
      target.z + d * Math.cos(el) * Math.cos(az),
    );
    this.camera.lookAt(target);
    this.camera.updateProjectionMatrix();
    let digest = 0;
    if (posed) {
      const w = s.world;
      const at = (j: number) => new Vector3(w[t * 51 + j * 3], w[t * 51 + j * 3 + 1], w[t * 51 + j * 3 + 2]);
      for (let j = 0; j < 17; j++) this.joints[j].position.copy(at(j));
      const up = new Vector3(0, 1, 0);
      BONES.forEach(([p, c], i) => {
        const a = at(p);
        const dir = at(c).sub(a);
        const len = dir.length();
        const m = this.bones[i];
        m.position.copy(a);
        m.scale.set(1, Math.max(len, 1e-4), 1);
        m.quaternion.copy(new Quaternion().setFromUnitVectors(up, dir.normalize()));
      });
      for (let i = 0; i < 51; i++) digest += w[t * 51 + i] * ((i % 7) + 1);
    }
    this.renderer.render(this.scene, this.camera);
    return posed ? digest.toFixed(4) : 'none';
  }

  dispose(): void {
    this.renderer.dispose();
  }
}

const FORMATS = ['npz', 'csv', 'bvh', 'trc'] as const;

export function Viewer3D() {
  const view = useLift((s) => s.view);
  const openSeriesId = useLift((s) => s.openSeriesId);
  const loading = useLift((s) => s.loading);
  const error = useLift((s) => s.error);
  const busy = useLift((s) => s.busy);
  const frame = usePlayer((s) => s.frame);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<SkeletonView | null>(null);
  const [orbit, setOrbit] = useState<Orbit>(DEFAULT_ORBIT);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [glError, setGlError] = useState<string | null>(null);
  const [drawn, setDrawn] = useState<{ frame: number; digest: string } | null>(null);

  useEffect(() => useLift.getState().attach(), []);

  // One WebGL context per open viewer.
  const open = openSeriesId !== null;
  useEffect(() => {
    if (!open || !canvasRef.current) return;
    try {
      viewRef.current = new SkeletonView(canvasRef.current);
      setGlError(null);
    } catch (err) {
      setGlError(`3D view unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
    return () => {
      viewRef.current?.dispose();
      viewRef.current = null;
    };
  }, [open]);

  useEffect(() => {
    const el = stageRef.current;
    if (!open || !el) return;
    const ro = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, [open]);

  useEffect(() => {
    if (view && viewRef.current) viewRef.current.setScene(view.scene);
  }, [view]);

  useEffect(() => {
    const v = viewRef.current;
    if (!v || !view || size.width === 0 || size.height === 0) return;
    const digest = v.update(view.scene, frame - view.scene.firstFrame, orbit, size.width, size.height);
    setDrawn({ frame, digest });
  }, [view, frame, orbit, size]);

  if (!open) return null;
  const s = view?.series;
  const state = glError ? 'no-webgl' : error ? 'error' : loading || !view ? 'loading' : 'ready';
  const row = view ? frame - view.scene.firstFrame : -1;
  return (
    <section
      className="viewer3d"
      data-testid="viewer3d"
      data-state={state}
      data-series-id={openSeriesId}
      data-frame={drawn?.frame ?? ''}
      data-pose={drawn?.digest ?? ''}
      data-ground={view ? view.scene.groundY.toFixed(3) : ''}
    >
      <div className="viewer3d-head small">
        <span className="viewer3d-title" title={s ? `Series ${s.id}: ${s.lifter}, ${s.source}` : ''}>
          3D {s ? `· run ${s.runId} track ${s.trackId} · ${s.lifter}` : ''}
        </span>
        <span className="spacer" />
        <button
          type="button"
          className="icon-button"
          data-testid="viewer3d-close"
          aria-label="Close the 3D view"
          title="Close the 3D view"
          onClick={() => useLift.getState().close()}
        >
          ×
        </button>
      </div>
      <div
        className="viewer3d-stage"
        ref={stageRef}
        onPointerDown={(e) => {
          const el = e.currentTarget;
          el.setPointerCapture(e.pointerId);
          const start = { x: e.clientX, y: e.clientY, orbit };
          const move = (m: PointerEvent) =>
            setOrbit({
              ...start.orbit,
              azimuth: start.orbit.azimuth - (m.clientX - start.x) * 0.01,
              elevation: Math.max(-0.2, Math.min(1.45, start.orbit.elevation + (m.clientY - start.y) * 0.01)),
            });
          const up = () => {
            el.removeEventListener('pointermove', move);
            el.removeEventListener('pointerup', up);
          };
          el.addEventListener('pointermove', move);
          el.addEventListener('pointerup', up);
        }}
        onWheel={(e) => {
          e.stopPropagation();
          setOrbit((o) => ({
            ...o,
            distance: Math.max(1, Math.min(30, o.distance * Math.exp(e.deltaY * 0.001))),
          }));
        }}
        onDoubleClick={() => setOrbit(DEFAULT_ORBIT)}
        title="Drag to orbit, wheel to zoom, double-click to reset"
      >
        <canvas ref={canvasRef} data-testid="viewer3d-canvas" />
        {state !== 'ready' && (
          <div className="viewer3d-overlay">{glError ?? error ?? 'Loading the 3D joints…'}</div>
        )}
        {state === 'ready' && view && !posedAt(view.scene, row) && (
          <div className="viewer3d-overlay small" data-testid="viewer3d-no-pose">
            No pose at frame {frame}
          </div>
        )}
      </div>
      <div className="viewer3d-foot small">
        {view?.scene.hasTrajectory === false && <span className="muted">root-relative</span>}
        {FORMATS.map((f) => (
          <button
            key={f}
            type="button"
            className="small-button"
            data-testid={`viewer3d-export-${f}`}
            disabled={!view || busy !== null}
            title={`Export the 3D joints as ${f.toUpperCase()}`}
            onClick={() => useLift.getState().exportAs(f).catch(ignore)}
          >
            {f.toUpperCase()}
          </button>
        ))}
        <button
          type="button"
          className="small-button"
          data-testid="viewer3d-render"
          disabled={!view || busy !== null}
          title="Render an MP4 of the video with the 3D skeleton beside it"
          onClick={() => useLift.getState().render().catch(ignore)}
        >
          MP4
        </button>
      </div>
    </section>
  );
}
