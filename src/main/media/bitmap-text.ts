/**
 * Text burnt into raw RGB frames (frame numbers and labels on rendered videos) with a built-in
 * 5×7 pixel font, so rendering needs no font file or ffmpeg text filter. Upper-case letters,
 * digits and a little punctuation; anything else draws as a blank.
 */
const GLYPHS: Record<string, string> = {
  '0': '01110 10001 10011 10101 11001 10001 01110',
  '1': '00100 01100 00100 00100 00100 00100 01110',
  '2': '01110 10001 00001 00010 00100 01000 11111',
  '3': '11111 00010 00100 00010 00001 10001 01110',
  '4': '00010 00110 01010 10010 11111 00010 00010',
  '5': '11111 10000 11110 00001 00001 10001 01110',
  '6': '00110 01000 10000 11110 10001 10001 01110',
  '7': '11111 00001 00010 00100 01000 01000 01000',
  '8': '01110 10001 10001 01110 10001 10001 01110',
  '9': '01110 10001 10001 01111 00001 00010 01100',
  A: '01110 10001 10001 11111 10001 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11100 10010 10001 10001 10001 10010 11100',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  W: '10001 10001 10001 10101 10101 10101 01010',
  ':': '00000 01100 01100 00000 01100 01100 00000',
  '/': '00001 00010 00010 00100 01000 01000 10000',
  '-': '00000 00000 00000 11111 00000 00000 00000',
  '.': '00000 00000 00000 00000 00000 01100 01100',
};

/** Width in pixels of `text` at this scale (6 columns per character: 5 + a space). */
export function textWidth(text: string, scale: number): number {
  return text.length * 6 * scale;
}

/**
 * Draws `text` into a packed RGB24 frame at (x, y) (top left), each font pixel `scale` × `scale`,
 * over a dark box so it reads on any picture. Clipped at the frame's edges.
 */
export function drawText(
  rgb: Uint8Array,
  width: number,
  height: number,
  text: string,
  x: number,
  y: number,
  scale = 2,
  color: [number, number, number] = [255, 255, 255],
): void {
  const w = textWidth(text, scale) + 2 * scale;
  const h = 9 * scale;
  for (let py = Math.max(0, y - scale); py < Math.min(height, y - scale + h); py++)
    for (let px = Math.max(0, x - scale); px < Math.min(width, x - scale + w); px++) {
      const o = (py * width + px) * 3;
      rgb[o] >>= 2;
      rgb[o + 1] >>= 2;
      rgb[o + 2] >>= 2;
    }
  [...text.toUpperCase()].forEach((ch, i) => {
    const rows = GLYPHS[ch]?.split(' ');
    if (!rows) return;
    rows.forEach((row, gy) => {
      for (let gx = 0; gx < 5; gx++) {
        if (row[gx] !== '1') continue;
        for (let sy = 0; sy < scale; sy++)
          for (let sx = 0; sx < scale; sx++) {
            const px = x + (i * 6 + gx) * scale + sx;
            const py = y + gy * scale + sy;
            if (px < 0 || py < 0 || px >= width || py >= height) continue;
            rgb.set(color, (py * width + px) * 3);
          }
      }
    });
  });
}
