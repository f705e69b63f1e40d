import { useEffect } from 'react';
import { runShortcut } from './commands';
import { matchShortcut } from './shortcuts';
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
      const id = matchShortcut(event);
      if (!id) return;
      event.preventDefault();
      // A focused button would also "click" on the Space/Enter keyup: take focus off it first.
      if (event.target instanceof HTMLButtonElement) event.target.blur();
      runShortcut(id);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
