/**
 * PNG encode and decode for the crop directory (8-bit grey, grey + alpha, RGB and RGBA; zlib
 * through fflate). The encoder picks each row's filter by the smallest sum of absolute filtered
 * bytes (the usual heuristic). The decoder reads what VPD's tooling and OpenCV write: 8-bit,
 * non-interlaced, colour types 0, 2, 3 (palette, expanded to RGB/RGBA), 4 and 6; other PNGs are
 * refused with a message that says why.
 */
import { unzlibSync, zlibSync } from 'fflate';
import { KinemaError } from '../../shared/errors';

export type PngChannels = 1 | 2 | 3 | 4;

export interface RasterImage {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: PngChannels;
  /** Row-major, interleaved, width × height × channels bytes. */
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOR_TYPE: Record<PngChannels, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

let crcTable: Uint32Array | null = null;

function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Filters one row with PNG filter `type` into `out`; returns the sum of its bytes read as signed. */
function filterRow(type: number, cur: Uint8Array, up: Uint8Array, bpp: number, out: Uint8Array): number {
  const n = cur.length;
  switch (type) {
    case 0:
      out.set(cur);
      break;
    case 1:
      for (let i = 0; i < bpp; i++) out[i] = cur[i];
      for (let i = bpp; i < n; i++) out[i] = cur[i] - cur[i - bpp];
      break;
    case 2:
      for (let i = 0; i < n; i++) out[i] = cur[i] - up[i];
      break;
    case 3:
      for (let i = 0; i < bpp; i++) out[i] = cur[i] - (up[i] >> 1);
      for (let i = bpp; i < n; i++) out[i] = cur[i] - ((cur[i - bpp] + up[i]) >> 1);
      break;
    default:
      for (let i = 0; i < bpp; i++) out[i] = cur[i] - up[i];
      for (let i = bpp; i < n; i++) out[i] = cur[i] - paeth(cur[i - bpp], up[i], up[i - bpp]);
  }
  // (Uint8Array stores wrap modulo 256, as PNG's filters want.)
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const b = out[i];
    sum += b < 128 ? b : 256 - b;
  }
  return sum;
}

export interface PngEncodeOptions {
  /** zlib level 0-9. Default 6. */
  level?: number;
}

/** Encodes an 8-bit image as a PNG file. */
export function encodePng(image: RasterImage, options: PngEncodeOptions = {}): Uint8Array {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`PNG: the image size must be whole numbers ≥ 1, got ${width}×${height}`);
  if (!(channels in COLOR_TYPE)) throw new Error(`PNG: ${channels} channels; 1 to 4 are supported`);
  const rowBytes = width * channels;
  if (data.length !== rowBytes * height)
    throw new Error(
      `PNG: ${data.length} bytes for a ${width}×${height}×${channels} image (${rowBytes * height} expected)`,
    );

  // Filtered scanlines: one filter byte per row, then the row.
  const raw = new Uint8Array((rowBytes + 1) * height);
  const scratch = [0, 1, 2, 3, 4].map(() => new Uint8Array(rowBytes));
  const zeros = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const cur = data.subarray(y * rowBytes, (y + 1) * rowBytes);
    const up = y > 0 ? data.subarray((y - 1) * rowBytes, y * rowBytes) : zeros;
    let bestType = 0;
    let bestSum = Infinity;
    for (let type = 0; type < 5; type++) {
      const sum = filterRow(type, cur, up, channels, scratch[type]);
      if (sum < bestSum) {
        bestSum = sum;
        bestType = type;
      }
    }
    raw[y * (rowBytes + 1)] = bestType;
    raw.set(scratch[bestType], y * (rowBytes + 1) + 1);
  }
  const level = Math.max(0, Math.min(9, Math.round(options.level ?? 6))) as
    0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  const idat = zlibSync(raw, { level });

  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = COLOR_TYPE[channels];
  const out = new Uint8Array(8 + (12 + 13) + (12 + idat.length) + 12);
  out.set(SIGNATURE, 0);
  let at = 8;
  const chunk = (type: string, body: Uint8Array) => {
    const view = new DataView(out.buffer, out.byteOffset);
    view.setUint32(at, body.length);
    for (let i = 0; i < 4; i++) out[at + 4 + i] = type.charCodeAt(i);
    out.set(body, at + 8);
    view.setUint32(at + 8 + body.length, crc32(out, at + 4, at + 8 + body.length));
    at += 12 + body.length;
  };
  chunk('IHDR', ihdr);
  chunk('IDAT', idat);
  chunk('IEND', new Uint8Array(0));
  return out;
}

function pngError(name: string, what: string): KinemaError {
  return new KinemaError('BAD_IMAGE', `${name}: ${what}`);
}

/**
 * Decodes a PNG file to 8-bit samples. `name` (a file name) goes into error messages. A palette
 * image comes back as RGB (or RGBA when it has transparency).
 */
export function decodePng(bytes: Uint8Array, name = 'PNG image'): RasterImage {
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v))
    throw pngError(name, 'is not a PNG file (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  let alpha: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    const bodyAt = at + 8;
    if (bodyAt + length + 4 > bytes.length) throw pngError(name, `is truncated (in its ${type} chunk)`);
    const crc = view.getUint32(bodyAt + length);
    if (crc !== crc32(bytes, at + 4, bodyAt + length))
      throw pngError(name, `is damaged (checksum of its ${type} chunk does not match)`);
    const body = bytes.subarray(bodyAt, bodyAt + length);
    if (type === 'IHDR') {
      if (length !== 13) throw pngError(name, 'has a malformed header');
      width = view.getUint32(bodyAt);
      height = view.getUint32(bodyAt + 4);
      const depth = body[8];
      colorType = body[9];
      if (depth !== 8) throw pngError(name, `has ${depth}-bit samples; only 8-bit PNGs are read`);
      if (![0, 2, 3, 4, 6].includes(colorType))
        throw pngError(name, `has an unknown colour type ${colorType}`);
      if (body[12] !== 0) throw pngError(name, 'is interlaced; only non-interlaced PNGs are read');
      if (width < 1 || height < 1 || width * height > 1 << 28)
        throw pngError(name, `has an unsupported size ${width}×${height}`);
    } else if (type === 'PLTE') palette = body.slice();
    else if (type === 'tRNS') alpha = body.slice();
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    at = bodyAt + length + 4;
  }
  if (colorType < 0) throw pngError(name, 'has no header (IHDR)');
  if (!ended) throw pngError(name, 'is truncated (no IEND chunk)');
  if (!idat.length) throw pngError(name, 'has no image data');
  if (colorType === 3 && !palette) throw pngError(name, 'is a palette image without a palette');

  const stored = colorType === 0 ? 1 : colorType === 2 ? 3 : colorType === 3 ? 1 : colorType === 4 ? 2 : 4;
  const rowBytes = width * stored;
  let raw: Uint8Array;
  try {
    const joined = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of idat) {
      joined.set(c, o);
      o += c.length;
    }
    raw = unzlibSync(joined);
  } catch (err) {
    throw pngError(name, `image data is damaged (${(err as Error).message})`);
  }
  if (raw.length < (rowBytes + 1) * height) throw pngError(name, 'image data is shorter than its size says');

  const pixels = new Uint8Array(rowBytes * height);
  const bpp = stored;
  for (let y = 0; y < height; y++) {
    const type = raw[y * (rowBytes + 1)];
    const src = y * (rowBytes + 1) + 1;
    const row = y * rowBytes;
    const up = row - rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? pixels[row + i - bpp] : 0;
      const b = y > 0 ? pixels[up + i] : 0;
      const c = y > 0 && i >= bpp ? pixels[up + i - bpp] : 0;
      const x = raw[src + i];
      let v: number;
      if (type === 0) v = x;
      else if (type === 1) v = x + a;
      else if (type === 2) v = x + b;
      else if (type === 3) v = x + ((a + b) >> 1);
      else if (type === 4) v = x + paeth(a, b, c);
      else throw pngError(name, `row ${y} has an unknown filter ${type}`);
      pixels[row + i] = v & 0xff;
    }
  }
  if (colorType !== 3) return { width, height, channels: stored as PngChannels, data: pixels };

  const pal = palette!;
  const withAlpha = alpha !== null;
  const channels: PngChannels = withAlpha ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const idx = pixels[p];
    if (idx * 3 + 2 >= pal.length)
      throw pngError(name, `uses palette entry ${idx}, which it does not define`);
    out[p * channels] = pal[idx * 3];
    out[p * channels + 1] = pal[idx * 3 + 1];
    out[p * channels + 2] = pal[idx * 3 + 2];
    if (withAlpha) out[p * channels + 3] = idx < alpha!.length ? alpha![idx] : 255;
  }
  return { width, height, channels, data: out };
}

/** The image as packed RGB (grey is repeated, alpha dropped). */
export function toRgb(image: RasterImage): Uint8Array {
  const { width, height, channels, data } = image;
  if (channels === 3) return data;
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    if (channels >= 3) {
      out[p * 3] = data[p * channels];
      out[p * 3 + 1] = data[p * channels + 1];
      out[p * 3 + 2] = data[p * channels + 2];
    } else out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = data[p * channels];
  }
  return out;
}
