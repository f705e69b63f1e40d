/**
 * Every keyboard shortcut, as data. The key handler (keyboard.ts), the in-app help overlay and
 * the README are all driven by this list, so they cannot disagree.
 *
 * `keys` use KeyboardEvent.key names; letters are matched case-insensitively and a "Shift+" prefix
 * is only meaningful for non-character keys (arrows, Home, End).
 */
export interface Shortcut {
  id: string;
  keys: readonly string[];
  label: string;
  description: string;
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
] as const satisfies readonly Shortcut[];

export type ShortcutId = (typeof SHORTCUTS)[number]['id'];

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
for (const shortcut of SHORTCUTS)
  for (const key of shortcut.keys) byCombo.set(key.toUpperCase(), shortcut.id);

export function matchShortcut(event: KeyboardEvent): ShortcutId | null {
  const combo = comboOf(event);
  return combo === null ? null : (byCombo.get(combo.toUpperCase()) ?? null);
}
