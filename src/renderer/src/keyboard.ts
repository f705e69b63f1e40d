import { useEffect } from 'react';
import { runShortcut } from './commands';
import { editorKeyDown, editorKeyUp, space, toggleEditMode } from './components/editor/commands';
import { matchShortcut } from './shortcuts';
import { useAlign } from './store/align';
import { useEditor } from './store/editor';
import { useProject } from './store/project';
import { isModalOpen, useUi } from './store/ui';

/** Typing into a field must never step frames or start playback. */
function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'button', 'submit', 'range', 'color', 'file'].includes(target.type);
  }
  return false;
}

export function useGlobalShortcuts(): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const ui = useUi.getState();
      if (ui.helpOpen && event.key === 'Escape') {
        event.preventDefault();
        ui.setHelp(false);
        return;
      }
      if (isModalOpen(ui) || isTextEntry(event.target) || !useProject.getState().project) return;
      // The pose editor's keys first while editing (they shadow global keys with the same combo).
      if (useEditor.getState().active && !useAlign.getState().open && editorKeyDown(event)) {
        event.preventDefault();
        if (event.target instanceof HTMLButtonElement) event.target.blur();
        return;
      }
      const id = matchShortcut(event);
      if (!id) return;
      event.preventDefault();
      // A focused button would also "click" on the Space/Enter keyup: take focus off it first.
      if (event.target instanceof HTMLButtonElement) event.target.blur();
      if (id === 'edit-mode') toggleEditMode();
      else runShortcut(id);
    };
    const onKeyUp = (event: KeyboardEvent) => {
      if (editorKeyUp(event)) event.preventDefault();
    };
    // A Space held while the window lost focus never sends its keyup.
    const onBlur = () => {
      space.down = false;
    };
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
    };
  }, []);
}
