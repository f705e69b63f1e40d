/** User actions shared by buttons and keyboard shortcuts. */
import type { ShortcutId } from './shortcuts';
import { ignore } from './api';
import { useClips } from './store/clips';
import { usePlayer } from './store/player';
import { usePoses } from './store/poses';
import { useToasts } from './store/toasts';
import { useUi } from './store/ui';

/**
 * Creates a clip from the marks. With only one mark set, the other end of the video stands in
 * for the missing one (the usual editor behaviour: "from here to the end").
 */
export async function addClipFromMarks(): Promise<void> {
  const player = usePlayer.getState();
  if (player.videoId === null || player.frameCount <= 0) {
    useToasts.getState().error('Select a playable video first.');
    return;
  }
  if (player.markIn === null && player.markOut === null) {
    useToasts.getState().error('Set an in mark (I) and an out mark (O) first.');
    return;
  }
  const inFrame = player.markIn ?? 0;
  const outFrame = player.markOut ?? player.frameCount;
  try {
    const clip = await useClips.getState().create({ videoId: player.videoId, inFrame, outFrame });
    // Marks set while the request was in flight belong to the next clip: keep them.
    const now = usePlayer.getState();
    if (now.markIn === player.markIn && now.markOut === player.markOut) now.clearMarks();
    useToasts.getState().info(`Clip added: frames ${clip.inFrame}–${clip.outFrame - 1}`);
  } catch {
    // Already reported by the API helper; the marks stay so the user can fix them.
  }
}

export function runShortcut(id: ShortcutId): void {
  const p = usePlayer.getState();
  switch (id) {
    case 'play-pause':
      return p.togglePlay();
    case 'prev-frame':
      return p.step(-1);
    case 'next-frame':
      return p.step(1);
    case 'back-10':
      return p.step(-10);
    case 'forward-10':
      return p.step(10);
    case 'first-frame':
      p.pause();
      return p.seek(0);
    case 'last-frame':
      p.pause();
      return p.seek(p.frameCount - 1);
    case 'play-backward':
      return p.shuttle(-1);
    case 'stop':
      return p.stopShuttle();
    case 'play-forward':
      return p.shuttle(1);
    case 'mark-in':
      return p.setMarkIn();
    case 'mark-out':
      return p.setMarkOut();
    case 'add-clip':
      addClipFromMarks().catch(ignore);
      return;
    case 'clear-marks':
      return p.clearMarks();
    case 'toggle-poses':
      return usePoses.getState().setOverlay(!usePoses.getState().overlay);
    case 'help':
      return useUi.getState().setHelp(!useUi.getState().helpOpen);
  }
}
