/** Which overlays are open. Global shortcuts are off while a modal is. */
import { create } from 'zustand';

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  resolve(ok: boolean): void;
}

/** What the detect dialog was opened for: a video, optionally preset to a clip's range. */
export interface DetectRequest {
  videoId: number;
  clipId?: number;
}

interface UiState {
  importOpen: boolean;
  /** Why the import dialog was opened for the user (e.g. a browser drop), shown at its top. */
  importNotice: string | null;
  projectDialog: 'open' | 'create' | null;
  helpOpen: boolean;
  confirm: ConfirmRequest | null;
  detect: DetectRequest | null;
  openDetect(request: DetectRequest): void;
  closeDetect(): void;
  openImport(notice?: string): void;
  closeImport(): void;
  openProjectDialog(mode: 'open' | 'create' | null): void;
  setHelp(open: boolean): void;
  askConfirm(request: Omit<ConfirmRequest, 'resolve'>): Promise<boolean>;
  settleConfirm(ok: boolean): void;
}

export const useUi = create<UiState>()((set, get) => ({
  importOpen: false,
  importNotice: null,
  projectDialog: null,
  helpOpen: false,
  confirm: null,
  detect: null,
  openDetect(request) {
    set({ detect: request });
  },
  closeDetect() {
    set({ detect: null });
  },
  openImport(notice) {
    set({ importOpen: true, importNotice: notice ?? null });
  },
  closeImport() {
    set({ importOpen: false, importNotice: null });
  },
  openProjectDialog(mode) {
    set({ projectDialog: mode });
  },
  setHelp(open) {
    set({ helpOpen: open });
  },
  askConfirm(request) {
    get().confirm?.resolve(false);
    return new Promise((resolve) => set({ confirm: { ...request, resolve } }));
  },
  settleConfirm(ok) {
    const pending = get().confirm;
    set({ confirm: null });
    pending?.resolve(ok);
  },
}));

export function isModalOpen(s: UiState): boolean {
  return s.importOpen || s.projectDialog !== null || s.confirm !== null || s.detect !== null;
}
