/**
 * Every keyboard shortcut, as data. The key handler (keyboard.ts), the in-app help overlay and
 * the README are all driven by this list, so they cannot disagree.
 *
 * `keys` use KeyboardEvent.key names. Global shortcuts match letters case-insensitively, and a
 * "Shift+" prefix is only meaningful for non-character keys (arrows, Home, End). Shortcuts with
 * scope 'editor' work only in the pose editor's edit mode and match exactly, modifiers included
 * ("Shift+I" is not "I"; "Ctrl+" also stands for ⌘ on a Mac); the editor's handler runs before the
 * global one, so an editor key shadows a global key with the same combo while editing.
 */
export interface Shortcut {
  id: string;
  keys: readonly string[];
  label: string;
  description: string;
  /** 'editor': only in edit mode (the description says so too, for the README and the help). */
  scope?: 'editor';
}

export const SHORTCUTS = [
  {
    id: 'play-pause',
    keys: ['Space'],
    label: 'Play / pause',
    description: 'Play forward from the playhead, or pause.',
  },
  { id: 'prev-frame', keys: ['ArrowLeft'], label: 'Previous frame', description: 'Step back one frame.' },
  { id: 'next-frame', keys: ['ArrowRight'], label: 'Next frame', description: 'Step forward one frame.' },
  { id: 'back-10', keys: ['Shift+ArrowLeft'], label: 'Back 10 frames', description: 'Step back ten frames.' },
  {
    id: 'forward-10',
    keys: ['Shift+ArrowRight'],
    label: 'Forward 10 frames',
    description: 'Step forward ten frames.',
  },
  { id: 'first-frame', keys: ['Home'], label: 'First frame', description: 'Jump to the first frame.' },
  { id: 'last-frame', keys: ['End'], label: 'Last frame', description: 'Jump to the last frame.' },
  {
    id: 'play-backward',
    keys: ['J'],
    label: 'Play backward',
    description: 'Play in reverse; press again to go faster (up to 4×).',
  },
  { id: 'stop', keys: ['K'], label: 'Pause', description: 'Pause and reset the speed to 1×.' },
  {
    id: 'play-forward',
    keys: ['L'],
    label: 'Play forward',
    description: 'Play forward; press again to go faster (up to 4×).',
  },
  { id: 'mark-in', keys: ['I'], label: 'Mark in', description: 'Set the in mark at the current frame.' },
  {
    id: 'mark-out',
    keys: ['O'],
    label: 'Mark out',
    description: 'Set the out mark at the current frame (the clip includes this frame).',
  },
  { id: 'add-clip', keys: ['C'], label: 'Add clip', description: 'Create a clip from the in and out marks.' },
  { id: 'clear-marks', keys: ['Escape'], label: 'Clear marks', description: 'Remove the in and out marks.' },
  {
    id: 'toggle-poses',
    keys: ['P'],
    label: 'Pose overlay',
    description: 'Show or hide the detected poses over the video.',
  },
  { id: 'help', keys: ['?'], label: 'Shortcuts help', description: 'Show or hide this list of shortcuts.' },
  {
    id: 'edit-mode',
    keys: ['E'],
    label: 'Edit poses',
    description:
      "Enter or leave edit mode on the pose run shown: edits go to the run's corrected copy, the original is kept.",
  },
  ...EDITOR_SHORTCUTS(),
] as const satisfies readonly Shortcut[];

/**
 * The pose editor's keys (issue 4). A function so the list sits after the global one in the file
 * but is spread into SHORTCUTS (one list for the handler, the help and the README).
 */
function EDITOR_SHORTCUTS() {
  const arrows = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'];
  return (
    [
      {
        id: 'edit-undo',
        keys: ['Ctrl+Z'],
        label: 'Undo edit',
        description: 'Edit mode: undo the last edit.',
      },
      {
        id: 'edit-redo',
        keys: ['Ctrl+Shift+Z', 'Ctrl+Y'],
        label: 'Redo edit',
        description: 'Edit mode: make the last undone edit again.',
      },
      {
        id: 'edit-next-track',
        keys: ['T'],
        label: 'Next track',
        description: 'Edit mode: select the next person (track) to edit.',
      },
      {
        id: 'edit-prev-track',
        keys: ['Shift+T'],
        label: 'Previous track',
        description: 'Edit mode: select the previous person (track).',
      },
      {
        id: 'edit-next-joint',
        keys: ['Tab'],
        label: 'Next joint',
        description:
          'Edit mode: select the next joint of the track (while no button or field has the focus).',
      },
      {
        id: 'edit-prev-joint',
        keys: ['Shift+Tab'],
        label: 'Previous joint',
        description: 'Edit mode: select the previous joint.',
      },
      {
        id: 'edit-joint-number',
        keys: ['0-9'],
        label: 'Joint by number',
        description:
          "Edit mode: type a joint's number from the joint list (two digits within a second for 10 and up).",
      },
      {
        id: 'edit-nudge',
        keys: arrows.map((a) => `Alt+${a}`),
        label: 'Nudge joint',
        description: 'Edit mode: move the selected joint 1 video pixel (a burst of nudges is one edit).',
      },
      {
        id: 'edit-nudge-10',
        keys: arrows.map((a) => `Alt+Shift+${a}`),
        label: 'Nudge joint 10 px',
        description: 'Edit mode: move the selected joint 10 video pixels.',
      },
      {
        id: 'edit-visibility',
        keys: ['V'],
        label: 'Visibility',
        description: 'Edit mode: cycle the selected joint visible → occluded → invisible.',
      },
      {
        id: 'edit-keyframe',
        keys: ['F'],
        label: 'Keyframe',
        description: 'Edit mode: mark or unmark the frame as a keyframe of the track.',
      },
      {
        id: 'edit-delete-person',
        keys: ['Delete'],
        label: 'Delete person in frame',
        description: "Edit mode: remove the track's pose in this frame.",
      },
      {
        id: 'edit-box',
        keys: ['B'],
        label: 'Box tool',
        description:
          'Edit mode: drag a box on the player to add a missing person (the model fills the keypoints), or to seed a re-run.',
      },
      {
        id: 'edit-fill-gap',
        keys: ['G'],
        label: 'Fill gap',
        description:
          'Edit mode: interpolate the gap at the playhead (or in the marks) from the poses around it.',
      },
      {
        id: 'edit-interpolate',
        keys: ['Shift+I'],
        label: 'Interpolate',
        description:
          'Edit mode: recompute the frames between keyframes in the marks (or around the playhead), linear or smooth.',
      },
      {
        id: 'edit-swap',
        keys: ['S'],
        label: 'Swap left/right',
        description: 'Edit mode: swap left and right joints over the marked frames (or this frame).',
      },
      {
        id: 'edit-split',
        keys: ['Shift+X'],
        label: 'Split track',
        description: 'Edit mode: split the track at the playhead; this frame on becomes a new track.',
      },
      {
        id: 'edit-merge',
        keys: ['M'],
        label: 'Merge tracks',
        description: "Edit mode: move the other track's frames (chosen in the panel) into this track.",
      },
      {
        id: 'edit-reassign',
        keys: ['R'],
        label: 'Reassign range',
        description: 'Edit mode: give the marked frames to another track id (chosen in the panel).',
      },
      {
        id: 'edit-delete-range',
        keys: ['Shift+Delete'],
        label: 'Delete range',
        description: "Edit mode: remove the track's poses in the marked frames.",
      },
      {
        id: 'edit-propagate',
        keys: ['A'],
        label: 'Propagate forward',
        description:
          'Edit mode: the model follows the corrected pose from the playhead until its confidence drops.',
      },
      {
        id: 'edit-rerun',
        keys: ['Shift+A'],
        label: 'Re-run model on range',
        description:
          'Edit mode: run the pose model again over the marked frames, from the corrected box or pose.',
      },
      {
        id: 'edit-smooth',
        keys: ['Shift+F'],
        label: 'Preview smoothing',
        description:
          'Edit mode: preview the chosen filter on the marked frames (or the track) as a ghost skeleton.',
      },
      {
        id: 'edit-apply-preview',
        keys: ['Enter'],
        label: 'Apply preview',
        description: 'Edit mode: apply the smoothing being previewed.',
      },
      {
        id: 'edit-revert',
        keys: ['Shift+R'],
        label: 'Revert to model',
        description:
          "Edit mode: put the model's values back (selected joint or all; marked frames or this frame).",
      },
      {
        id: 'edit-next-problem',
        keys: ['N'],
        label: 'Next problem',
        description:
          'Edit mode: go to the next gap, swap, jump or low-confidence stretch and mark its frames.',
      },
      {
        id: 'edit-prev-problem',
        keys: ['Shift+N'],
        label: 'Previous problem',
        description: 'Edit mode: go to the previous problem and mark its frames.',
      },
      {
        id: 'edit-next-keyframe',
        keys: [']'],
        label: 'Next keyframe',
        description: "Edit mode: go to the track's next keyframe.",
      },
      {
        id: 'edit-prev-keyframe',
        keys: ['['],
        label: 'Previous keyframe',
        description: "Edit mode: go to the track's previous keyframe.",
      },
      {
        id: 'edit-zoom-in',
        keys: ['+', '='],
        label: 'Zoom in',
        description: 'Edit mode: zoom the frame in, around the selected joint (also Ctrl+wheel).',
      },
      { id: 'edit-zoom-out', keys: ['-'], label: 'Zoom out', description: 'Edit mode: zoom the frame out.' },
      {
        id: 'edit-zoom-fit',
        keys: ['Z'],
        label: 'Fit frame',
        description: 'Edit mode: show the whole frame again (zoom 100%).',
      },
      {
        id: 'edit-pan',
        keys: arrows.map((a) => `Ctrl+${a}`),
        label: 'Pan',
        description:
          'Edit mode: move the zoomed frame; or drag it with Space held or the middle button (Space alone still plays or pauses, on release).',
      },
      {
        id: 'edit-cancel',
        keys: ['Escape'],
        label: 'Cancel',
        description:
          'Edit mode: cancel the preview, the box tool or the joint selection; with none of them, clear the marks.',
      },
    ] as const satisfies readonly Shortcut[]
  ).map((s) => ({ ...s, scope: 'editor' as const }));
}

export type ShortcutId = (typeof SHORTCUTS)[number]['id'];
export type EditorShortcutId = ReturnType<typeof EDITOR_SHORTCUTS>[number]['id'];

const KEY_LABELS: Record<string, string> = {
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
  Escape: 'Esc',
  Space: 'Space',
};

/** "Shift+ArrowLeft" → ["Shift", "←"], for rendering as separate key caps. */
export function keyCaps(combo: string): string[] {
  const parts = combo === '+' ? ['+'] : combo.split('+');
  return parts.map((p) => KEY_LABELS[p] ?? p);
}

/** The combo string a keydown event stands for, in the notation of `keys`; null for chords we leave alone. */
export function comboOf(event: KeyboardEvent): string | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const key = event.key === ' ' ? 'Space' : event.key;
  if (key.length === 1) return key.toUpperCase();
  return event.shiftKey ? `Shift+${key}` : key;
}

const byCombo = new Map<string, ShortcutId>();
const editorByCombo = new Map<string, EditorShortcutId>();
for (const shortcut of SHORTCUTS as readonly Shortcut[])
  for (const key of shortcut.keys) {
    if (shortcut.scope === 'editor') editorByCombo.set(key, shortcut.id as EditorShortcutId);
    else byCombo.set(key.toUpperCase(), shortcut.id as ShortcutId);
  }

/** A global shortcut (never an editor one): what keyboard.ts runs outside the editor's keys. */
export function matchShortcut(event: KeyboardEvent): ShortcutId | null {
  const combo = comboOf(event);
  return combo === null ? null : (byCombo.get(combo.toUpperCase()) ?? null);
}

/**
 * The exact combo of a keydown, modifiers included: "Ctrl+Shift+Z", "Shift+I", "Alt+ArrowLeft",
 * "Tab". Shift is named for letters and named keys, not for other characters ("?", "+"), whose
 * key already says it. Letters use event.code when Alt changed the character (Mac option keys).
 */
export function exactComboOf(event: KeyboardEvent): string {
  let key = event.key === ' ' ? 'Space' : event.key;
  if (event.altKey && /^Key[A-Z]$/.test(event.code)) key = event.code.slice(3);
  const letter = /^[a-z]$/i.test(key);
  const named = key.length > 1;
  const parts: string[] = [];
  if (event.ctrlKey || event.metaKey) parts.push('Ctrl');
  if (event.altKey) parts.push('Alt');
  if (event.shiftKey && (letter || named)) parts.push('Shift');
  parts.push(letter ? key.toUpperCase() : key);
  return parts.join('+');
}

/** An editor shortcut for this keydown (digits map to 'edit-joint-number'), or null. */
export function matchEditorShortcut(event: KeyboardEvent): EditorShortcutId | null {
  const combo = exactComboOf(event);
  if (/^[0-9]$/.test(combo)) return 'edit-joint-number';
  return editorByCombo.get(combo) ?? null;
}
