/**
 * The embedding map: a 2D t-SNE of the per-frame embeddings of several clips by a trained TCC
 * model (`tcc.map`), one colour per clip, each clip's frames joined in order with a few frame
 * numbers along the way. Hovering a point names its clip and frame; clicking it seeks there —
 * in the Align view when the clip is a side of the comparison shown, else in the player.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Clip } from '../../../../shared/contract';
import { ignore } from '../../api';
import { clipName, learnerFrameOf, useAlign, type AlignData } from '../../store/align';
import { useClips } from '../../store/clips';
import { usePlayer } from '../../store/player';
import { mapColor, trainedClipIds, useTcc, type TccMap } from '../../store/tcc';
import { useVideos } from '../../store/videos';

const HEIGHT = 300;
const PAD = 16;
/** Frame numbers written along each clip's trajectory. */
const LABELS_PER_CLIP = 5;

interface Projected {
  x: number;
  y: number;
  clip: number;
  frame: number;
}

function project(map: TccMap, width: number, height: number): Projected[] {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const c of map.clips)
    for (let i = 0; i < c.xy.length; i += 2) {
      x0 = Math.min(x0, c.xy[i]);
      x1 = Math.max(x1, c.xy[i]);
      y0 = Math.min(y0, c.xy[i + 1]);
      y1 = Math.max(y1, c.xy[i + 1]);
    }
  const s = Math.min(
    (width - 2 * PAD) / Math.max(1e-9, x1 - x0),
    (height - 2 * PAD) / Math.max(1e-9, y1 - y0),
  );
  const ox = (width - s * (x1 - x0)) / 2;
  const oy = (height - s * (y1 - y0)) / 2;
  const out: Projected[] = [];
  map.clips.forEach((c, ci) => {
    for (let i = 0; i < c.frames.length; i++)
      out.push({
        x: ox + s * (c.xy[2 * i] - x0),
        y: oy + s * (c.xy[2 * i + 1] - y0),
        clip: ci,
        frame: c.frames[i],
      });
  });
  return out;
}

/** Seeks the Align view when the clip is one of its sides, else the player (closing the view). */
export function seekToClipFrame(clipId: number, videoId: number, frame: number): void {
  const align = useAlign.getState();
  const data: AlignData | null = align.result;
  const within = (role: 'learner' | 'reference') => {
    if (!data) return false;
    const side = data.request[role];
    const video = role === 'learner' ? data.learnerVideoId : data.referenceVideoId;
    return video === videoId && frame >= (side.inFrame ?? -Infinity) && frame < (side.outFrame ?? Infinity);
  };
  if (data && within('learner')) {
    align.pause();
    align.seek(frame);
    return;
  }
  if (data && within('reference')) {
    align.pause();
    align.seek(learnerFrameOf(data, frame));
    return;
  }
  align.close();
  useVideos.getState().select(videoId);
  const player = usePlayer.getState();
  player.pause();
  player.seek(frame);
  useClips.getState().select(clipId);
}

function MapCanvas({ map }: { map: TccMap }) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(600);
  const [hover, setHover] = useState<Projected | null>(null);
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const points = useMemo(() => project(map, width, HEIGHT), [map, width]);

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = width * dpr;
    c.height = HEIGHT * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const byClip = map.clips.map((_, ci) => points.filter((p) => p.clip === ci));
    byClip.forEach((pts, ci) => {
      const colour = mapColor(ci);
      ctx.strokeStyle = colour;
      ctx.globalAlpha = 0.35;
      ctx.lineWidth = 1;
      ctx.beginPath();
      pts.forEach((p, i) => (i ? ctx.lineTo(p.x, p.y) : ctx.moveTo(p.x, p.y)));
      ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillStyle = colour;
      for (const p of pts) {
        ctx.beginPath();
        ctx.arc(p.x, p.y, 2.6, 0, 2 * Math.PI);
        ctx.fill();
      }
    });
    ctx.font = '10px sans-serif';
    ctx.textBaseline = 'bottom';
    byClip.forEach((pts, ci) => {
      if (pts.length === 0) return;
      const n = Math.min(LABELS_PER_CLIP, pts.length);
      for (let k = 0; k < n; k++) {
        const p = pts[Math.round((k * (pts.length - 1)) / Math.max(1, n - 1))];
        ctx.fillStyle = 'rgba(0, 0, 0, 0.6)';
        const text = String(p.frame);
        const w = ctx.measureText(text).width;
        ctx.fillRect(p.x + 3, p.y - 13, w + 4, 12);
        ctx.fillStyle = mapColor(ci);
        ctx.fillText(text, p.x + 5, p.y - 2);
      }
    });
    if (hover) {
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(hover.x, hover.y, 5, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }, [map, points, width, hover]);

  const nearest = (e: React.PointerEvent | React.MouseEvent): Projected | null => {
    const r = canvas.current!.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    let best: Projected | null = null;
    let bestD = 8 * 8;
    for (const p of points) {
      const d = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = p;
      }
    }
    return best;
  };
  const hovered = hover && map.clips[hover.clip];

  return (
    <div className="tcc-map-canvas" ref={wrap}>
      <canvas
        ref={canvas}
        data-testid="tcc-map-canvas"
        data-points={points.length}
        style={{ width, height: HEIGHT, cursor: hover ? 'pointer' : 'default' }}
        onPointerMove={(e) => setHover(nearest(e))}
        onPointerLeave={() => setHover(null)}
        onClick={(e) => {
          const p = nearest(e);
          if (!p) return;
          const c = map.clips[p.clip];
          seekToClipFrame(c.clipId, c.videoId, p.frame);
        }}
      />
      {hover && hovered && (
        <div
          className="tcc-map-tip small"
          data-testid="tcc-map-tip"
          style={{ left: Math.min(width - 160, hover.x + 10), top: Math.max(0, hover.y - 30) }}
        >
          <span className="tcc-swatch" style={{ background: mapColor(hover.clip) }} />
          {hovered.name} #{hovered.clipId} · frame {hover.frame}
        </div>
      )}
    </div>
  );
}

export function EmbeddingMapPanel() {
  const models = useTcc((s) => s.models);
  const map = useTcc((s) => s.map);
  const mapping = useTcc((s) => s.mapping);
  const mapError = useTcc((s) => s.mapError);
  const trained = useAlign((s) => s.trained);
  const clips = useAlign((s) => s.clips);
  const learnerClip = useAlign((s) => s.learner.clipId);
  const referenceClip = useAlign((s) => s.reference.clipId);
  const [modelName, setModelName] = useState<string | null>(null);
  const model = models.find((m) => m.name === (modelName ?? trained)) ?? models[0];
  const [picked, setPicked] = useState<Record<string, number[]>>({});
  const defaults = useMemo(() => {
    const ids = new Set(trainedClipIds(model));
    for (const id of [learnerClip, referenceClip]) if (id !== null) ids.add(id);
    return clips.filter((c) => ids.has(c.id)).map((c) => c.id);
  }, [model, clips, learnerClip, referenceClip]);
  const chosen = (model && picked[model.name]) ?? defaults;
  const toggle = (c: Clip) => {
    if (!model) return;
    const next = chosen.includes(c.id) ? chosen.filter((id) => id !== c.id) : [...chosen, c.id];
    setPicked((p) => ({ ...p, [model.name]: next }));
  };

  if (models.length === 0)
    return (
      <section className="tcc-map" data-testid="tcc-map">
        <p className="muted small">
          No trained TCC model yet: Train TCC… learns embeddings from clips with the same label, then the map
          shows them here.
        </p>
      </section>
    );
  return (
    <section className="tcc-map" data-testid="tcc-map">
      <div className="tcc-map-controls">
        <label className="align-field">
          <span>Model</span>
          <select
            data-testid="tcc-map-model"
            value={model?.name ?? ''}
            onChange={(e) => setModelName(e.target.value)}
          >
            {models.map((m) => (
              <option key={m.id} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <div className="tcc-map-clips" role="group" aria-label="Clips on the map">
          {clips.map((c) => {
            const on = chosen.includes(c.id);
            return (
              <button
                key={c.id}
                type="button"
                className={`small-button toggle-button${on ? ' on' : ''}`}
                aria-pressed={on}
                data-testid={`tcc-map-clip-${c.id}`}
                title={`Clip #${c.id}: frames ${c.inFrame}–${c.outFrame - 1} of video ${c.videoId}`}
                onClick={() => toggle(c)}
              >
                {clipName(c)} #{c.id}
              </button>
            );
          })}
        </div>
        <button
          type="button"
          className="primary"
          data-testid="tcc-map-draw"
          disabled={!model || chosen.length === 0 || mapping}
          onClick={() => model && useTcc.getState().loadMap(model.name, chosen).catch(ignore)}
        >
          {mapping ? 'Mapping…' : 'Draw map'}
        </button>
      </div>
      {mapError && (
        <div className="inline-error" data-testid="tcc-map-error">
          {mapError}
        </div>
      )}
      {map && (
        <div className="tcc-map-body" data-testid="tcc-map-result" data-clips={map.clips.length}>
          <MapCanvas map={map} />
          <ul className="tcc-map-legend" data-testid="tcc-map-legend">
            {map.clips.map((c, i) => (
              <li key={c.clipId}>
                <span className="tcc-swatch" style={{ background: mapColor(i) }} />
                {c.name} #{c.clipId} <span className="muted">({c.frames.length} frames)</span>
              </li>
            ))}
            <li className="muted small">
              t-SNE of {map.model}, {map.step === 1 ? 'every frame' : `one frame in ${map.step}`}; perplexity{' '}
              {map.perplexity.toFixed(0)}; {map.seconds.toFixed(1)} s
            </li>
          </ul>
        </div>
      )}
    </section>
  );
}
