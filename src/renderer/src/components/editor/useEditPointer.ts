/**
 * The pose editor's mouse gestures on the player's stage (edit mode only): click a person to
 * select their track, click a joint to select it and drag it to move it (one edit on release),
 * drag a box with the box tool (B) to add a missing person (the model fills the keypoints) or to
 * seed a re-run, Ctrl+wheel to zoom around the pointer, and drag with Space held or the middle
 * button to pan. Native listeners, because a wheel listener must not be passive to keep the
 * browser from zooming the page.
 */
import { useEffect, type RefObject } from 'react';
import { ignore } from '../../api';
import {
  canvasPoint,
  hitJoint,
  hitPerson,
  panBy,
  shownGeometry,
  toVideo,
  zoomAround,
  type ShownGeometry,
} from '../../player/editOverlay';
import { findFrame } from '../../player/poseData';
import { useEditor } from '../../store/editor';
import { usePlayer } from '../../store/player';
import { usePoses } from '../../store/poses';
import { space } from './commands';

type Gesture =
  | { kind: 'pan'; x: number; y: number }
  | { kind: 'drag'; trackId: number; joint: number; frame: number; x0: number; y0: number; moved: boolean }
  | { kind: 'box'; frame: number; x0: number; y0: number };

/** Smallest box side (video pixels) taken as a box rather than a slip of the mouse. */
const MIN_BOX = 6;

function geometry(): ShownGeometry | null {
  const e = useEditor.getState();
  const g = shownGeometry();
  return e.active && e.data && g && g.videoId === e.videoId ? g : null;
}

const isHidden = (trackId: number) => usePoses.getState().isHidden(trackId);

/** Ends a box gesture: add a person, or keep the box as the seed of a re-run. */
function finishBox(frame: number, box: [number, number, number, number], newTrack: boolean): void {
  const e = useEditor.getState();
  const data = e.data!;
  const selected = newTrack ? null : e.trackId;
  const track = data.tracks.find((t) => t.trackId === selected);
  const hasPose = track !== undefined && findFrame(track.frames, frame) >= 0;
  e.setTool('select');
  if (selected !== null && hasPose) {
    e.setSeedBox({ frame, box });
    e.set({
      status: `Seed box kept at frame ${frame}: mark frames from ${frame} (I, O) and press Shift+A to re-run the model from it. Shift+drag adds a new person instead.`,
    });
    return;
  }
  const trackId = selected ?? Math.max(-1, ...data.tracks.map((t) => t.trackId)) + 1;
  e.assist({ mode: 'addPerson', trackId, frame, box }, 'Add person')
    .then((outcome) => {
      if (outcome?.entry) useEditor.getState().selectTrack(trackId);
    })
    .catch(ignore);
}

export function useEditPointer(
  stageRef: RefObject<HTMLDivElement | null>,
  canvasRef: RefObject<HTMLCanvasElement | null>,
): void {
  useEffect(() => {
    const stage = stageRef.current;
    const canvas = canvasRef.current;
    if (!stage || !canvas) return;
    let gesture: Gesture | null = null;

    const setCursor = (cursor: string) => {
      if (stage.style.cursor !== cursor) stage.style.cursor = cursor;
    };

    const onDown = (ev: PointerEvent) => {
      const g = geometry();
      if (!g) return;
      const e = useEditor.getState();
      const c = canvasPoint(canvas, ev.clientX, ev.clientY);
      // Leave any focused control, so the editor's keys (Tab, digits) work at once.
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
      if (ev.button === 1 || (ev.button === 0 && space.down)) {
        ev.preventDefault();
        gesture = { kind: 'pan', x: c.x, y: c.y };
        stage.setPointerCapture(ev.pointerId);
        setCursor('grabbing');
        return;
      }
      if (ev.button !== 0) return;
      ev.preventDefault();
      usePlayer.getState().pause();
      const v = toVideo(g, c.x, c.y);
      if (e.tool === 'box') {
        gesture = { kind: 'box', frame: g.frame, x0: v.x, y0: v.y };
        e.setBox({ frame: g.frame, x0: v.x, y0: v.y, x1: v.x, y1: v.y });
        stage.setPointerCapture(ev.pointerId);
        return;
      }
      const dpr = window.devicePixelRatio || 1;
      const hit = hitJoint(e.data!, g, c.x, c.y, 12 * dpr, e.trackId, isHidden);
      if (hit) {
        e.selectTrack(hit.trackId);
        e.selectJoint(hit.joint);
        gesture = {
          kind: 'drag',
          trackId: hit.trackId,
          joint: hit.joint,
          frame: g.frame,
          x0: c.x,
          y0: c.y,
          moved: false,
        };
        stage.setPointerCapture(ev.pointerId);
        return;
      }
      const person = hitPerson(e.data!, g, c.x, c.y, isHidden);
      if (person !== null) e.selectTrack(person);
      e.selectJoint(null);
    };

    const onMove = (ev: PointerEvent) => {
      const g = geometry();
      if (!g) {
        setCursor('');
        return;
      }
      const e = useEditor.getState();
      const c = canvasPoint(canvas, ev.clientX, ev.clientY);
      if (!gesture) {
        const dpr = window.devicePixelRatio || 1;
        if (space.down) setCursor('grab');
        else if (e.tool === 'box') setCursor('crosshair');
        else setCursor(hitJoint(e.data!, g, c.x, c.y, 12 * dpr, e.trackId, isHidden) ? 'move' : '');
        return;
      }
      if (gesture.kind === 'pan') {
        e.setView(panBy(g.fit, e.view, c.x - gesture.x, c.y - gesture.y));
        gesture.x = c.x;
        gesture.y = c.y;
        space.panned = true;
        return;
      }
      const v = toVideo(g, c.x, c.y);
      if (gesture.kind === 'box') {
        e.setBox({ frame: gesture.frame, x0: gesture.x0, y0: gesture.y0, x1: v.x, y1: v.y });
        return;
      }
      const dpr = window.devicePixelRatio || 1;
      if (!gesture.moved && Math.hypot(c.x - gesture.x0, c.y - gesture.y0) < 2 * dpr) return;
      gesture.moved = true;
      e.setDrag({ trackId: gesture.trackId, joint: gesture.joint, frame: gesture.frame, x: v.x, y: v.y });
    };

    const onUp = (ev: PointerEvent) => {
      const done = gesture;
      gesture = null;
      if (stage.hasPointerCapture(ev.pointerId)) stage.releasePointerCapture(ev.pointerId);
      if (!done) return;
      const e = useEditor.getState();
      if (done.kind === 'pan') {
        setCursor(space.down ? 'grab' : '');
        return;
      }
      if (done.kind === 'box') {
        const b = e.box;
        e.setBox(null);
        if (!b || ev.type === 'pointercancel') return;
        const box: [number, number, number, number] = [
          Math.min(b.x0, b.x1),
          Math.min(b.y0, b.y1),
          Math.abs(b.x1 - b.x0),
          Math.abs(b.y1 - b.y0),
        ];
        if (box[2] < MIN_BOX || box[3] < MIN_BOX) return;
        finishBox(done.frame, box, ev.shiftKey);
        return;
      }
      const drag = e.drag;
      if (!done.moved || !drag || ev.type === 'pointercancel') {
        e.setDrag(null);
        return;
      }
      e.apply({
        action: 'moveKeypoint',
        trackId: drag.trackId,
        frame: drag.frame,
        joint: drag.joint,
        x: Math.round(drag.x * 100) / 100,
        y: Math.round(drag.y * 100) / 100,
      }).catch(ignore);
    };

    const onWheel = (ev: WheelEvent) => {
      if (!(ev.ctrlKey || ev.metaKey)) return;
      const g = geometry();
      if (!g) return;
      // Ctrl+wheel zooms the frame here, not the page.
      ev.preventDefault();
      const c = canvasPoint(canvas, ev.clientX, ev.clientY);
      const e = useEditor.getState();
      e.setView(zoomAround(g.fit, e.view, Math.exp(-ev.deltaY * 0.0015), c.x, c.y));
    };

    // The middle button's autoscroll (and paste, on Linux) would fight the pan.
    const onMouseDown = (ev: MouseEvent) => {
      if (ev.button === 1 && geometry()) ev.preventDefault();
    };

    stage.addEventListener('pointerdown', onDown);
    stage.addEventListener('pointermove', onMove);
    stage.addEventListener('pointerup', onUp);
    stage.addEventListener('pointercancel', onUp);
    stage.addEventListener('wheel', onWheel, { passive: false });
    stage.addEventListener('mousedown', onMouseDown);
    return () => {
      stage.removeEventListener('pointerdown', onDown);
      stage.removeEventListener('pointermove', onMove);
      stage.removeEventListener('pointerup', onUp);
      stage.removeEventListener('pointercancel', onUp);
      stage.removeEventListener('wheel', onWheel);
      stage.removeEventListener('mousedown', onMouseDown);
    };
  }, [stageRef, canvasRef]);
}
