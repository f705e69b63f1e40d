/**
 * Binary-friendly message codec for the WebSocket transport.
 *
 * JSON cannot carry bytes without base64's 33% overhead and its CPU cost, and frames and
 * thumbnails are bytes. A message is encoded as: u32 length of a JSON header, the header (in
 * which every Uint8Array was replaced by `{ $bin: index }`), then each blob as u32 length + bytes.
 */
type Json = unknown;

const BIN_KEY = '$bin';

function extract(value: unknown, blobs: Uint8Array[]): Json {
  if (value instanceof Uint8Array) {
    blobs.push(value);
    return { [BIN_KEY]: blobs.length - 1 };
  }
  if (Array.isArray(value)) return value.map((v) => extract(v, blobs));
  if (value && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = extract(v, blobs);
    return out;
  }
  return value;
}

function restore(value: Json, blobs: Uint8Array[]): unknown {
  if (Array.isArray(value)) return value.map((v) => restore(v, blobs));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, Json>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === BIN_KEY && typeof obj[BIN_KEY] === 'number') {
      const blob = blobs[obj[BIN_KEY]];
      if (!blob) throw new Error('Malformed message: missing binary part');
      return blob;
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = restore(obj[k], blobs);
    return out;
  }
  return value;
}

export function encodeMessage(message: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const header = new TextEncoder().encode(JSON.stringify(extract(message, blobs)));
  let size = 4 + header.length;
  for (const b of blobs) size += 4 + b.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length);
  out.set(header, 4);
  let at = 4 + header.length;
  for (const b of blobs) {
    view.setUint32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return out;
}

export function decodeMessage(data: Uint8Array): unknown {
  if (data.length < 4) throw new Error('Malformed message: too short');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = view.getUint32(0);
  if (4 + headerLength > data.length) throw new Error('Malformed message: header overruns');
  const header = JSON.parse(new TextDecoder().decode(data.subarray(4, 4 + headerLength))) as Json;
  const blobs: Uint8Array[] = [];
  let at = 4 + headerLength;
  while (at < data.length) {
    if (at + 4 > data.length) throw new Error('Malformed message: truncated binary part');
    const len = view.getUint32(at);
    if (at + 4 + len > data.length) throw new Error('Malformed message: truncated binary part');
    blobs.push(data.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return restore(header, blobs);
}

/** Messages of the WebSocket protocol. */
export type ClientMessage = { type: 'request'; id: number; name: string; input: unknown };
export type ServerMessage =
  { type: 'response'; id: number; envelope: unknown } | { type: 'event'; name: string; payload: unknown };
