/**
 * Errors and the result envelope, kept free of dependencies: the sandboxed Electron preload can
 * only load what is bundled into it, so it must not pull in zod through the contract.
 */

/** The result envelope every transport carries: errors travel as data, never as thrown IPC errors. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** An error a user can act on: its message is shown as is. */
export class KinemaError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'KinemaError';
  }
}

/** Turns an envelope back into a value or a thrown KinemaError (client side of every transport). */
export function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.value;
  throw new KinemaError(envelope.error.code, envelope.error.message);
}
