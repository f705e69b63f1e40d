/**
 * Thin typed helpers around `window.kinema`. `call` reports a failure as an error toast and
 * rethrows, so callers only handle what they must (close a dialog, revert a field).
 */
import type {
  EventName,
  EventPayload,
  RequestInput,
  RequestName,
  RequestOutput,
} from '../../shared/contract';
import { useToasts } from './store/toasts';

export interface CallOptions {
  /** Do not show a toast on failure (the caller shows the error its own way or ignores it). */
  quiet?: boolean;
}

export async function call<K extends RequestName>(
  name: K,
  input: RequestInput<K>,
  options: CallOptions = {},
): Promise<RequestOutput<K>> {
  try {
    return await window.kinema.invoke(name, input);
  } catch (error) {
    if (!options.quiet) useToasts.getState().error(errorMessage(error));
    throw error;
  }
}

export function on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  return window.kinema.on(event, listener);
}

/** The user-readable message of anything thrown. KinemaError messages are written for users. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  return 'Something went wrong.';
}

/** For `.catch(ignore)` where the failure was already reported by `call`. */
export function ignore(): void {}
