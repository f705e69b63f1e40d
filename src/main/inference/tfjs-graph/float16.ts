// IEEE 754 binary16 -> binary32, bit by bit (sign, 5-bit exponent, 10-bit mantissa).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0) {
    if (mant === 0) {
      u32[0] = sign; // signed zero
      return f32[0];
    }
    // Subnormal half: normalise it into a float32 normal.
    let e = -1;
    do {
      e++;
      mant <<= 1;
    } while ((mant & 0x400) === 0);
    mant &= 0x3ff;
    u32[0] = sign | ((127 - 15 - e) << 23) | (mant << 13);
    return f32[0];
  }
  if (exp === 0x1f) {
    u32[0] = sign | 0x7f800000 | (mant << 13); // inf / NaN
    return f32[0];
  }
  u32[0] = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  return f32[0];
}

/** Decodes little-endian float16 values into a new Float32Array. */
export function halfArrayToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]);
  return out;
}

/**
 * float32 -> binary16 bits, or -1 when the value is not exactly representable (so callers can
 * store float16 losslessly or not at all).
 */
export function floatToHalfExact(v: number): number {
  f32[0] = v;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return mant ? -1 : sign | 0x7c00; // NaN payloads are not kept; inf is
  if (exp === 0 && mant === 0) return sign;
  const e = exp - 127;
  if (e >= -14 && e <= 15) {
    if (mant & 0x1fff) return -1;
    return sign | ((e + 15) << 10) | (mant >>> 13);
  }
  if (e >= -24 && e < -14) {
    // Subnormal half: value = m * 2^-24 with m < 1024.
    const full = mant | 0x800000; // 24-bit significand, value = full * 2^(e-23)
    const shift = -14 - e + 13; // bits dropped to reach units of 2^-24
    if (full & ((1 << shift) - 1)) return -1;
    return sign | (full >>> shift);
  }
  return -1;
}
