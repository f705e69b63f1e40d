/**
 * The bytes of an edit's patches, as the history stores them (one BLOB per edit): exact (the
 * typed arrays' own bytes, little-endian as every platform Kinema runs on), and compact (only the
 * frames the edit touched).
 *
 * Layout: "KEP1", u32 header length, the JSON header {k, patches: [{trackId, start, end, label,
 * before, after}]} (before/after = frame counts), padded to 4 bytes; then for each patch its
 * before and its after segment: frames (Int32), keypoints (Float32 n×K×3), boxes (Float32 n×4),
 * scores (Float32), originals (Float32 n×K×3), provenance (Uint8 n×K), flags (Uint8 n), each part
 * padded to 4 bytes.
 */
import { KinemaError } from '../errors';
import { emptySegment, type Segment, type TrackPatch } from './segment';

const MAGIC = [0x4b, 0x45, 0x50, 0x31]; // KEP1

interface Header {
  k: number;
  patches: { trackId: number; start: number; end: number; label: string; before: number; after: number }[];
}

const pad4 = (n: number) => (n + 3) & ~3;

function segmentParts(s: Segment): ArrayBufferView[] {
  return [s.frames, s.keypoints, s.boxes, s.scores, s.originals, s.provenance, s.flags];
}

export function encodePatches(patches: readonly TrackPatch[], k: number): Uint8Array {
  const header: Header = {
    k,
    patches: patches.map((p) => ({
      trackId: p.trackId,
      start: p.start,
      end: p.end,
      label: p.label,
      before: p.before.frames.length,
      after: p.after.frames.length,
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const parts = patches.flatMap((p) => [...segmentParts(p.before), ...segmentParts(p.after)]);
  let size = pad4(8 + json.length);
  for (const part of parts) size += pad4(part.byteLength);
  const out = new Uint8Array(size);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  let at = pad4(8 + json.length);
  for (const part of parts) {
    out.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), at);
    at += pad4(part.byteLength);
  }
  return out;
}

export function decodePatches(bytes: Uint8Array): { k: number; patches: TrackPatch[] } {
  // A copy, so every typed array below starts 4-aligned in its own buffer.
  const buf = bytes.slice();
  const bad = (why: string) => new KinemaError('CORRUPT', `An edit in the history cannot be read (${why}).`);
  if (buf.length < 8 || MAGIC.some((m, i) => buf[i] !== m)) throw bad('not an edit record');
  const headerLength = new DataView(buf.buffer).getUint32(4, true);
  if (8 + headerLength > buf.length) throw bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLength))) as Header;
  } catch {
    throw bad('bad header');
  }
  const { k } = header;
  let at = pad4(8 + headerLength);
  const take = <T extends ArrayBufferView>(
    make: (b: ArrayBuffer, o: number, n: number) => T,
    n: number,
    size: number,
  ): T => {
    if (at + n * size > buf.length) throw bad('truncated data');
    const v = make(buf.buffer, at, n);
    at += pad4(n * size);
    return v;
  };
  const segment = (n: number): Segment => {
    if (n === 0) return emptySegment(0, k); // its parts are 0 bytes long
    return {
      frames: take((b, o, c) => new Int32Array(b, o, c), n, 4),
      keypoints: take((b, o, c) => new Float32Array(b, o, c), n * k * 3, 4),
      boxes: take((b, o, c) => new Float32Array(b, o, c), n * 4, 4),
      scores: take((b, o, c) => new Float32Array(b, o, c), n, 4),
      originals: take((b, o, c) => new Float32Array(b, o, c), n * k * 3, 4),
      provenance: take((b, o, c) => new Uint8Array(b, o, c), n * k, 1),
      flags: take((b, o, c) => new Uint8Array(b, o, c), n, 1),
    };
  };
  const patches = header.patches.map((p) => {
    const before = segment(p.before);
    const after = segment(p.after);
    return { trackId: p.trackId, start: p.start, end: p.end, label: p.label, before, after };
  });
  return { k, patches };
}
