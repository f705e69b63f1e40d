/**
 * The pose editor's pure UI parts: the player's zoom and pan geometry, joint and person hit tests
 * (player/editOverlay.ts), and the editor's keys (shortcuts.ts): exact combos, no clash with the
 * playback keys, one action per combo.
 */
import { describe, expect, it } from 'vitest';
import {
  FIT_VIEW,
  hitJoint,
  hitPerson,
  panBy,
  toCanvas,
  toVideo,
  zoomAround,
  zoomedRect,
  type ShownGeometry,
} from '../../src/renderer/src/player/editOverlay';
import { frameSegments, type RunData } from '../../src/renderer/src/player/poseData';
import {
  exactComboOf,
  matchEditorShortcut,
  matchShortcut,
  SHORTCUTS,
  type Shortcut,
} from '../../src/renderer/src/shortcuts';

const fit = { x: 100, y: 50, w: 800, h: 450 };

describe('zoom and pan', () => {
  it('shows the fitted image at 100%', () => {
    expect(zoomedRect(fit, FIT_VIEW)).toEqual(fit);
  });

  it('keeps the image point under the pointer in place when zooming', () => {
    const px = 700;
    const py = 120;
    const before = zoomedRect(fit, FIT_VIEW);
    const u = (px - before.x) / before.w;
    const v = (py - before.y) / before.h;
    const view = zoomAround(fit, FIT_VIEW, 2, px, py);
    expect(view.zoom).toBe(2);
    const after = zoomedRect(fit, view);
    expect(after.w).toBeCloseTo(1600, 6);
    expect(after.x + u * after.w).toBeCloseTo(px, 6);
    expect(after.y + v * after.h).toBeCloseTo(py, 6);
  });

  it('goes back to the fitted view at 100% and never below it', () => {
    const zoomed = zoomAround(fit, FIT_VIEW, 3, 300, 300);
    expect(zoomAround(fit, zoomed, 1 / 3, 10, 10)).toEqual(FIT_VIEW);
    expect(zoomAround(fit, FIT_VIEW, 0.5, 10, 10)).toEqual(FIT_VIEW);
    expect(zoomAround(fit, FIT_VIEW, 1000, 10, 10).zoom).toBe(16);
  });

  it('pans with the pointer and keeps the centre inside the image', () => {
    const view = { zoom: 2, ux: 0.5, uy: 0.5 };
    const moved = panBy(fit, view, 160, 0);
    // The image follows the pointer: 160 px right shows what was 0.1 of the width to the left.
    expect(moved.ux).toBeCloseTo(0.4, 6);
    expect(zoomedRect(fit, moved).x - zoomedRect(fit, view).x).toBeCloseTo(160, 6);
    expect(panBy(fit, view, 1e6, -1e6)).toEqual({ zoom: 2, ux: 0, uy: 1 });
    // Nothing to pan at 100%.
    expect(panBy(fit, FIT_VIEW, 50, 50)).toBe(FIT_VIEW);
  });

  it('converts between canvas and video pixels', () => {
    const g: ShownGeometry = {
      videoId: 1,
      frame: 0,
      fit,
      rect: zoomedRect(fit, { zoom: 2, ux: 0.25, uy: 0.75 }),
      videoWidth: 1280,
      videoHeight: 720,
    };
    const c = toCanvas(g, 321.5, 600.25);
    const v = toVideo(g, c.x, c.y);
    expect(v.x).toBeCloseTo(321.5, 6);
    expect(v.y).toBeCloseTo(600.25, 6);
  });
});

/** Two people at frame 5: track 0 around x 100, track 3 around x 400 (video pixels). */
function run(): RunData {
  const k = 3;
  const track = (trackId: number, x: number, scores = [0.9, 0.9, 0.9]) => {
    const frames = Int32Array.from([4, 5]);
    const keypoints = new Float32Array(2 * k * 3);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < k; j++) keypoints.set([x + j * 20, 100 + j * 40, scores[j]], (i * k + j) * 3);
    return {
      trackId,
      frames,
      keypoints,
      boxes: new Float32Array(0),
      scores: new Float32Array(0),
      segments: frameSegments(frames),
    };
  };
  return {
    runId: 1,
    skeletonId: 'test',
    joints: ['a', 'b', 'c'],
    links: [
      [0, 1],
      [1, 2],
    ],
    k,
    tracks: [track(0, 100, [0.9, 0, 0.9]), track(3, 400)],
  };
}

const geometry: ShownGeometry = {
  videoId: 1,
  frame: 5,
  fit: { x: 0, y: 0, w: 640, h: 360 },
  rect: { x: 0, y: 0, w: 640, h: 360 },
  videoWidth: 640,
  videoHeight: 360,
};
const none = () => false;

describe('hit tests', () => {
  it('finds the nearest joint within the radius', () => {
    expect(hitJoint(run(), geometry, 423, 141, 10, null, none)).toMatchObject({ trackId: 3, joint: 1 });
    expect(hitJoint(run(), geometry, 300, 300, 10, null, none)).toBeNull();
  });

  it('counts absent joints only on the selected track, and skips hidden tracks', () => {
    // Track 0's joint 1 (x 120, y 140) has score 0: selectable only while track 0 is selected.
    expect(hitJoint(run(), geometry, 120, 140, 10, null, none)).toBeNull();
    expect(hitJoint(run(), geometry, 120, 140, 10, 0, none)).toMatchObject({ trackId: 0, joint: 1 });
    expect(hitJoint(run(), geometry, 423, 141, 10, null, (id) => id === 3)).toBeNull();
  });

  it('prefers the selected track when joints of two people overlap', () => {
    const data = run();
    data.tracks[1].keypoints.set([104, 100, 0.9], (1 * 3 + 0) * 3);
    expect(hitJoint(data, geometry, 103, 100, 10, null, none)).toMatchObject({ trackId: 3 });
    expect(hitJoint(data, geometry, 103, 100, 10, 0, none)).toMatchObject({ trackId: 0 });
  });

  it('finds the person whose keypoints surround the pointer', () => {
    expect(hitPerson(run(), geometry, 420, 150, none)).toBe(3);
    expect(hitPerson(run(), geometry, 250, 150, none)).toBeNull();
    expect(hitPerson(run(), { ...geometry, frame: 9 }, 420, 150, none)).toBeNull();
  });
});

/** A stand-in for a keydown (the unit tests run without a DOM). */
function key(init: Partial<KeyboardEvent> & { key: string }): KeyboardEvent {
  return {
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    code: '',
    ...init,
  } as KeyboardEvent;
}

describe('editor keys', () => {
  it('matches exact combos, modifiers included', () => {
    expect(exactComboOf(key({ key: 'z', ctrlKey: true }))).toBe('Ctrl+Z');
    expect(exactComboOf(key({ key: 'Z', ctrlKey: true, shiftKey: true }))).toBe('Ctrl+Shift+Z');
    expect(exactComboOf(key({ key: 'z', metaKey: true }))).toBe('Ctrl+Z');
    expect(exactComboOf(key({ key: 'I', shiftKey: true }))).toBe('Shift+I');
    expect(exactComboOf(key({ key: '+', shiftKey: true }))).toBe('+');
    expect(exactComboOf(key({ key: 'ArrowLeft', altKey: true, shiftKey: true }))).toBe('Alt+Shift+ArrowLeft');
    // Option+letter on a Mac types another character: the key's code says which letter.
    expect(exactComboOf(key({ key: 'å', code: 'KeyA', altKey: true }))).toBe('Alt+A');
    expect(matchEditorShortcut(key({ key: 'z', ctrlKey: true }))).toBe('edit-undo');
    expect(matchEditorShortcut(key({ key: 'I', shiftKey: true }))).toBe('edit-interpolate');
    expect(matchEditorShortcut(key({ key: 'i' }))).toBeNull();
    expect(matchEditorShortcut(key({ key: '7' }))).toBe('edit-joint-number');
    expect(matchEditorShortcut(key({ key: 'ArrowUp', altKey: true }))).toBe('edit-nudge');
    // The global handler never runs an editor action, and vice versa.
    expect(matchShortcut(key({ key: 'n' }))).toBeNull();
    expect(matchShortcut(key({ key: 'i' }))).toBe('mark-in');
    expect(matchShortcut(key({ key: 'e' }))).toBe('edit-mode');
  });

  it('gives every editor combo one action, and leaves the playback keys alone', () => {
    const all = SHORTCUTS as readonly Shortcut[];
    const editor = all.filter((s) => s.scope === 'editor');
    expect(editor.length).toBeGreaterThan(30);
    const combos = editor.flatMap((s) => s.keys);
    expect(new Set(combos).size).toBe(combos.length);
    for (const s of editor) expect(s.description).toMatch(/^Edit mode: /);
    // Escape is shared on purpose: the editor cancels first, else the global key clears the marks.
    const global = new Set(all.filter((s) => s.scope !== 'editor').flatMap((s) => s.keys));
    expect(combos.filter((c) => global.has(c))).toEqual(['Escape']);
  });
});
