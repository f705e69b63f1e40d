import { create } from 'zustand';

export type ToastKind = 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** How many times the same message was raised while visible (shown as ×n rather than stacking). */
  count: number;
  action?: { label: string; run: () => void };
}

interface ToastState {
  toasts: Toast[];
  push(kind: ToastKind, message: string, action?: Toast['action']): void;
  error(message: string, action?: Toast['action']): void;
  info(message: string, action?: Toast['action']): void;
  dismiss(id: number): void;
}

const MAX_TOASTS = 5;
/** Errors stay until dismissed (a user must be able to read them); info fades. */
const INFO_TTL_MS = 6000;
let nextId = 1;

export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  push(kind, message, action) {
    const existing = get().toasts.find((t) => t.kind === kind && t.message === message);
    let id: number;
    if (existing) {
      id = existing.id;
      set((s) => ({
        toasts: [...s.toasts.filter((t) => t.id !== id), { ...existing, count: existing.count + 1, action }],
      }));
    } else {
      id = nextId++;
      set((s) => ({ toasts: [...s.toasts, { id, kind, message, count: 1, action }].slice(-MAX_TOASTS) }));
    }
    if (kind === 'info') setTimeout(() => get().dismiss(id), INFO_TTL_MS);
  },
  error(message, action) {
    get().push('error', message, action);
  },
  info(message, action) {
    get().push('info', message, action);
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));
