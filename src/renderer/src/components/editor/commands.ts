/**
 * The pose editor's commands, shared by its keys (shortcuts.ts, scope 'editor') and the panel's
 * buttons. Each builds an edit from the selection (track, joint), the playhead and the in/out
 * marks, and hands it to the editor store; what the back end refuses comes back as a toast that
 * says why (a frame the track does not have, tracks that overlap…).
 *
 * Ranges are the marks, half-open like everywhere in Kinema: [in, out), where the out mark is one
 * past the last marked frame. Commands that can work on one frame use the playhead without marks.
 */
import type { EditSpecInput } from '../../../../shared/editing/params';
import { OCCLUDED } from '../../../../shared/editing/provenance';
import { nextProblem } from '../../../../shared/editing/problems';
import { ignore } from '../../api';
import { panBy, shownGeometry, toCanvas, zoomAround, FIT_VIEW } from '../../player/editOverlay';
import { findFrame } from '../../player/poseData';
import { matchEditorShortcut, type EditorShortcutId } from '../../shortcuts';
import { isKeyframe, useEditor, type Problem } from '../../store/editor';
import { usePlayer } from '../../store/player';
import { usePoses } from '../../store/poses';
import { useToasts } from '../../store/toasts';

const editor = () => useEditor.getState();
const fail = (message: string): void => {
  useToasts.getState().error(message);
  editor().set({ status: message });
};

/** Enters edit mode on the run shown on the player, or leaves it. */
export function toggleEditMode(): void {
  const e = editor();
  if (e.active) {
    e.leave().catch(ignore);
    return;
  }
  const { selectedRunId } = usePoses.getState();
  if (selectedRunId === null) {
    fail('Choose a pose run to edit first (detect or import poses for this video).');
    return;
  }
  e.enter(selectedRunId).catch(ignore);
}

/** The selected track and the playhead, or null with a toast saying what is missing. */
function target(): { trackId: number; frame: number } | null {
  const { runId, trackId } = editor();
  if (runId === null) return null;
  if (trackId === null) {
    fail('Select a track first: click a person, or press T.');
    return null;
  }
  return { trackId, frame: usePlayer.getState().frame };
}

/** The marked frames [in, out); null when no mark is set (or, with `required`, a toast too). */
export function markedRange(required: string | null = null): { inFrame: number; outFrame: number } | null {
  const p = usePlayer.getState();
  if (p.markIn === null && p.markOut === null) {
    if (required) fail(`${required} works on the marked frames: set in (I) and out (O) marks first.`);
    return null;
  }
  const inFrame = p.markIn ?? 0;
  const outFrame = p.markOut ?? p.frameCount;
  if (outFrame <= inFrame) {
    fail('The out mark is before the in mark.');
    return null;
  }
  return { inFrame, outFrame };
}

function apply(edit: EditSpecInput, what?: string): void {
  editor().apply(edit, what).catch(ignore);
}

/** The pose of the selected track at the playhead (index into its arrays), or -1. */
function poseIndex(trackId: number, frame: number): number {
  const track = editor().data?.tracks.find((t) => t.trackId === trackId);
  return track ? findFrame(track.frames, frame) : -1;
}

export function cycleTrack(direction: 1 | -1): void {
  const { data, trackId } = editor();
  const ids = (data?.tracks ?? []).map((t) => t.trackId).filter((id) => !usePoses.getState().isHidden(id));
  if (!ids.length) return;
  const at = trackId === null ? -1 : ids.indexOf(trackId);
  const next = ids[(at + direction + ids.length) % ids.length];
  editor().selectTrack(next);
}

export function cycleJoint(direction: 1 | -1): void {
  const { data, joint, trackId } = editor();
  if (!data || trackId === null) {
    fail('Select a track first: click a person, or press T.');
    return;
  }
  const k = data.k;
  editor().selectJoint(joint === null ? (direction > 0 ? 0 : k - 1) : (joint + direction + k) % k);
}

let digits = '';
let digitsAt = 0;

/** Joint by number: a second digit within a second makes a two-digit number when that joint exists. */
function jointDigit(digit: string): void {
  const { data, trackId } = editor();
  if (!data || trackId === null) {
    fail('Select a track first: click a person, or press T.');
    return;
  }
  const now = performance.now();
  const combined = digits + digit;
  if (digits && now - digitsAt < 1000 && Number(combined) < data.k) {
    digits = '';
    editor().selectJoint(Number(combined));
    return;
  }
  digits = digit;
  digitsAt = now;
  if (Number(digit) < data.k) editor().selectJoint(Number(digit));
}

/** Visible → occluded → invisible → visible, for the selected joint at the playhead. */
export function cycleVisibility(to?: 'visible' | 'occluded' | 'invisible'): void {
  const t = target();
  const { joint, data, prov } = editor();
  if (!t || !data) return;
  if (joint === null) {
    fail('Select a joint first: Tab, its number, or click it.');
    return;
  }
  const i = poseIndex(t.trackId, t.frame);
  if (i < 0) {
    fail(`Track ${t.trackId} has no pose at frame ${t.frame}.`);
    return;
  }
  let next = to;
  if (!next) {
    const track = data.tracks.find((x) => x.trackId === t.trackId)!;
    const score = track.keypoints[(i * data.k + joint) * 3 + 2];
    const pi = prov && prov.trackId === t.trackId ? findFrame(prov.frames, t.frame) : -1;
    const occluded = pi >= 0 && (prov!.codes[pi * data.k + joint] & OCCLUDED) !== 0;
    next = occluded ? 'invisible' : score > 0 ? 'occluded' : 'visible';
  }
  apply({ action: 'setVisibility', trackId: t.trackId, frame: t.frame, joints: [joint], visibility: next });
}

export function toggleKeyframe(): void {
  const t = target();
  if (!t) return;
  const { prov } = editor();
  apply({
    action: 'setKeyframe',
    trackId: t.trackId,
    frame: t.frame,
    keyframe: !(prov?.trackId === t.trackId && isKeyframe(prov, t.frame)),
  });
}

export function deletePerson(): void {
  const t = target();
  if (t) apply({ action: 'deletePerson', trackId: t.trackId, frame: t.frame });
}

/** The gap to fill: the one at the playhead, else the first gap of the track in the marks. */
export function fillGap(): void {
  const t = target();
  if (!t) return;
  const { method, problems } = editor();
  let frame = t.frame;
  if (poseIndex(t.trackId, frame) >= 0) {
    const range = markedRange();
    const gap = problems.find(
      (p) =>
        p.trackId === t.trackId &&
        p.kind === 'gap' &&
        (range ? p.inFrame < range.outFrame && p.outFrame > range.inFrame : false),
    );
    if (!gap) {
      fail(`Frame ${frame} of track ${t.trackId} is not in a gap: move into one (N finds the next problem).`);
      return;
    }
    frame = gap.inFrame;
  }
  apply({ action: 'fillGap', trackId: t.trackId, frame, method });
}

/** Between keyframes in the marks; without marks, between the keyframes around the playhead. */
export function interpolate(): void {
  const t = target();
  if (!t) return;
  const { prov, method } = editor();
  let range = markedRange();
  if (!range) {
    const keys = prov?.trackId === t.trackId ? prov.keyframes : [];
    const before = [...keys].reverse().find((f) => f <= t.frame);
    const after = keys.find((f) => f > t.frame);
    if (before === undefined || after === undefined) {
      fail(
        'Interpolation runs between keyframes: mark a range, or put the playhead between two keyframes (F marks one).',
      );
      return;
    }
    range = { inFrame: before, outFrame: after + 1 };
  }
  apply({ action: 'interpolate', trackId: t.trackId, ...range, method });
}

export function swapLeftRight(): void {
  const t = target();
  if (!t) return;
  const range = markedRange() ?? { inFrame: t.frame, outFrame: t.frame + 1 };
  apply({ action: 'swapLeftRight', trackId: t.trackId, ...range });
}

export function splitTrack(): void {
  const t = target();
  if (t) apply({ action: 'splitTrack', trackId: t.trackId, frame: t.frame });
}

export function mergeTracks(): void {
  const t = target();
  if (!t) return;
  const { mergeWith, mergeOverlap } = editor();
  if (mergeWith === null || mergeWith === t.trackId) {
    fail('Choose the track to merge into this one in the panel (Merge with).');
    return;
  }
  apply({ action: 'mergeTracks', trackId: t.trackId, otherTrackId: mergeWith, overlap: mergeOverlap });
}

/** The id a reassignment goes to: the panel's choice, else a new id. */
function reassignTarget(): number {
  const { reassignTo, data } = editor();
  if (reassignTo !== null) return reassignTo;
  return Math.max(-1, ...(data?.tracks ?? []).map((x) => x.trackId)) + 1;
}

export function reassignRange(): void {
  const t = target();
  const range = t && markedRange('Reassign');
  if (!t || !range) return;
  const { reassignConflict } = editor();
  apply({
    action: 'reassignRange',
    trackId: t.trackId,
    ...range,
    toTrackId: reassignTarget(),
    conflict: reassignConflict,
  });
}

export function deleteRange(): void {
  const t = target();
  const range = t && markedRange('Delete range');
  if (t && range) apply({ action: 'deleteRange', trackId: t.trackId, ...range });
}

/** Revert the selected joint (or all) at the marked frames (or the playhead). */
export function revertToModel(): void {
  const t = target();
  if (!t) return;
  const { joint } = editor();
  const range = markedRange() ?? { inFrame: t.frame, outFrame: t.frame + 1 };
  apply({
    action: 'revertToModel',
    trackId: t.trackId,
    ...range,
    ...(joint !== null ? { joints: [joint] } : {}),
  });
}

/** The filter's edit over the marks (or the whole track). */
export function smoothingEdit(): EditSpecInput | null {
  const t = target();
  if (!t) return null;
  const { filter, filterValue, data } = editor();
  let range = markedRange();
  if (!range) {
    const track = data?.tracks.find((x) => x.trackId === t.trackId);
    if (!track || !track.frames.length) return null;
    range = { inFrame: track.frames[0], outFrame: track.frames[track.frames.length - 1] + 1 };
  }
  return {
    action: 'filterRange',
    trackId: t.trackId,
    ...range,
    filter,
    ...(filter === 'median' ? { window: filterValue } : { cutoffHz: filterValue }),
  };
}

export function previewSmoothing(): void {
  const edit = smoothingEdit();
  if (edit) editor().previewEdit(edit).catch(ignore);
}

export function propagate(): void {
  const t = target();
  if (!t) return;
  editor().assist({ mode: 'propagate', trackId: t.trackId, frame: t.frame }, 'Propagate').catch(ignore);
}

/** Re-run over the marks, from the seed box when one was drawn at the in mark. */
export function rerun(): void {
  const t = target();
  const range = t && markedRange('Re-run');
  if (!t || !range) return;
  const { seedBox } = editor();
  const box = seedBox && seedBox.frame === range.inFrame ? seedBox.box : undefined;
  editor()
    .assist({ mode: 'rerun', trackId: t.trackId, ...range, ...(box ? { box } : {}) }, 'Re-run')
    .then((outcome) => {
      if (outcome?.entry) editor().setSeedBox(null);
    })
    .catch(ignore);
}

/** Goes to the next (or previous) problem of any shown track, selects its track and marks its frames. */
export function gotoProblem(direction: 1 | -1, problem?: Problem): void {
  const { problems } = editor();
  const p = usePlayer.getState();
  const shown = problems.filter((x) => !usePoses.getState().isHidden(x.trackId));
  const found = problem ?? nextProblem(shown, p.frame, direction);
  if (!found) {
    editor().set({
      status: direction > 0 ? 'No problem after this frame.' : 'No problem before this frame.',
    });
    return;
  }
  editor().flush().catch(ignore);
  p.pause();
  p.seek(found.inFrame);
  p.setMarkIn(found.inFrame);
  p.setMarkOut(found.outFrame - 1);
  editor().selectTrack(found.trackId);
  editor().set({ status: `Track ${found.trackId}, ${found.kind}: ${found.reason}` });
}

export function gotoKeyframe(direction: 1 | -1): void {
  const { prov } = editor();
  const frame = usePlayer.getState().frame;
  const keys = prov?.keyframes ?? [];
  const next = direction > 0 ? keys.find((f) => f > frame) : [...keys].reverse().find((f) => f < frame);
  if (next === undefined) {
    editor().set({
      status: direction > 0 ? 'No keyframe after this frame.' : 'No keyframe before this frame.',
    });
    return;
  }
  usePlayer.getState().pause();
  usePlayer.getState().seek(next);
}

/** Zooms around the selected joint when it is on screen, else around the image's centre. */
export function zoom(factor: number): void {
  const g = shownGeometry();
  if (!g) return;
  const { view, data, trackId, joint } = editor();
  let px = g.fit.x + g.fit.w / 2;
  let py = g.fit.y + g.fit.h / 2;
  const track = data?.tracks.find((t) => t.trackId === trackId);
  const i = track ? findFrame(track.frames, g.frame) : -1;
  if (track && i >= 0 && joint !== null && data) {
    const o = (i * data.k + joint) * 3;
    const c = toCanvas(g, track.keypoints[o], track.keypoints[o + 1]);
    if (c.x >= g.fit.x && c.x <= g.fit.x + g.fit.w && c.y >= g.fit.y && c.y <= g.fit.y + g.fit.h) {
      // Zooming in brings the joint to the centre first, so it stays in view.
      if (factor > 1) editor().setView(panBy(g.fit, view, px - c.x, py - c.y));
      else {
        px = c.x;
        py = c.y;
      }
    }
  }
  editor().setView(zoomAround(g.fit, editor().view, factor, px, py));
}

export function pan(dx: number, dy: number): void {
  const g = shownGeometry();
  if (!g) return;
  editor().setView(panBy(g.fit, editor().view, dx * g.fit.w, dy * g.fit.h));
}

/** Esc: the preview, then the box tool, then the joint; false when none (the global Esc clears the marks). */
function cancel(): boolean {
  const e = editor();
  if (e.preview) e.cancelPreview();
  else if (e.box) e.setBox(null);
  else if (e.tool === 'box') e.setTool('select');
  else if (e.joint !== null) e.selectJoint(null);
  else return false;
  return true;
}

const NUDGES: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/** Runs an editor command; false when it does not apply now (the key then does what it does elsewhere). */
export function runEditorCommand(id: EditorShortcutId, event?: KeyboardEvent): boolean {
  const e = editor();
  switch (id) {
    case 'edit-undo':
      e.undo().catch(ignore);
      return true;
    case 'edit-redo':
      e.redo().catch(ignore);
      return true;
    case 'edit-next-track':
      cycleTrack(1);
      return true;
    case 'edit-prev-track':
      cycleTrack(-1);
      return true;
    case 'edit-next-joint':
    case 'edit-prev-joint': {
      // Tab keeps moving the focus between controls; it picks joints when nothing has the focus.
      const focus = document.activeElement;
      if (focus && focus !== document.body && !focus.closest('.player-stage')) return false;
      cycleJoint(id === 'edit-next-joint' ? 1 : -1);
      return true;
    }
    case 'edit-joint-number':
      if (event) jointDigit(event.key);
      return true;
    case 'edit-nudge':
    case 'edit-nudge-10': {
      const d = event ? NUDGES[event.key] : undefined;
      if (!d) return false;
      const n = id === 'edit-nudge' ? 1 : 10;
      e.nudge(d[0] * n, d[1] * n);
      return true;
    }
    case 'edit-visibility':
      cycleVisibility();
      return true;
    case 'edit-keyframe':
      toggleKeyframe();
      return true;
    case 'edit-delete-person':
      deletePerson();
      return true;
    case 'edit-box':
      e.setTool(e.tool === 'box' ? 'select' : 'box');
      return true;
    case 'edit-fill-gap':
      fillGap();
      return true;
    case 'edit-interpolate':
      interpolate();
      return true;
    case 'edit-swap':
      swapLeftRight();
      return true;
    case 'edit-split':
      splitTrack();
      return true;
    case 'edit-merge':
      mergeTracks();
      return true;
    case 'edit-reassign':
      reassignRange();
      return true;
    case 'edit-delete-range':
      deleteRange();
      return true;
    case 'edit-propagate':
      propagate();
      return true;
    case 'edit-rerun':
      rerun();
      return true;
    case 'edit-smooth':
      previewSmoothing();
      return true;
    case 'edit-apply-preview':
      if (!e.preview) return false;
      e.applyPreview().catch(ignore);
      return true;
    case 'edit-revert':
      revertToModel();
      return true;
    case 'edit-next-problem':
      gotoProblem(1);
      return true;
    case 'edit-prev-problem':
      gotoProblem(-1);
      return true;
    case 'edit-next-keyframe':
      gotoKeyframe(1);
      return true;
    case 'edit-prev-keyframe':
      gotoKeyframe(-1);
      return true;
    case 'edit-zoom-in':
      zoom(1.5);
      return true;
    case 'edit-zoom-out':
      zoom(1 / 1.5);
      return true;
    case 'edit-zoom-fit':
      e.setView(FIT_VIEW);
      return true;
    case 'edit-pan': {
      const d = event ? NUDGES[event.key] : undefined;
      if (!d) return false;
      // A tenth of the fitted frame per press; the image moves the way the arrow points.
      pan(-d[0] * 0.1, -d[1] * 0.1);
      return true;
    }
    case 'edit-cancel':
      return cancel();
  }
}

/**
 * Space in edit mode: held, it pans the zoomed frame by dragging; released without dragging, it
 * plays or pauses as usual (so playback starts on release while editing).
 */
export const space = { down: false, panned: false };

/** The editor's part of the global key handler: true when the key was the editor's. */
export function editorKeyDown(event: KeyboardEvent): boolean {
  if (event.key === ' ' && !event.ctrlKey && !event.metaKey && !event.altKey) {
    if (!event.repeat) {
      space.down = true;
      space.panned = false;
    }
    return true;
  }
  const id = matchEditorShortcut(event);
  return id !== null && runEditorCommand(id, event);
}

/** Space released: play/pause unless it was held to pan. Returns true when it was handled. */
export function editorKeyUp(event: KeyboardEvent): boolean {
  if (event.key !== ' ' || !space.down) return false;
  space.down = false;
  if (!space.panned) usePlayer.getState().togglePlay();
  space.panned = false;
  return true;
}
