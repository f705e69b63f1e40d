/**
 * BVH (Biovision Hierarchy): parser and forward kinematics.
 *
 * Format, as written by the common exporters:
 *   HIERARCHY
 *   ROOT name { OFFSET x y z  CHANNELS n <names>  (JOINT name { … } | End Site { OFFSET x y z })* }
 *   MOTION
 *   Frames: T
 *   Frame Time: seconds
 *   T lines of values, one per channel in hierarchy order.
 *
 * Conventions implemented (those of the CMU conversions and of Blender/MotionBuilder):
 *   - a joint sits at parent position + parent world rotation × (OFFSET + its position channels);
 *     position channels add to the OFFSET (for the root and for 6-channel joints alike);
 *   - the local rotation is the product of the rotation channels in the order listed, e.g.
 *     `Zrotation Xrotation Yrotation` → R = Rz · Rx · Ry (column vectors, right-handed, degrees);
 *   - an End Site is a point at the end of its joint's bone; it has no channels.
 * Whitespace may be spaces or tabs, lines may end in LF, CRLF or CR.
 */

export type BvhChannel = 'Xposition' | 'Yposition' | 'Zposition' | 'Xrotation' | 'Yrotation' | 'Zrotation';

export interface BvhJoint {
  readonly name: string;
  /** Index of the parent joint, −1 for a root. Parents always come before their children. */
  readonly parent: number;
  readonly offset: readonly [number, number, number];
  readonly channels: readonly BvhChannel[];
  /** Column of this joint's first channel in a motion row. */
  readonly channelStart: number;
  /** 1-based line of the joint's name in the file (for messages). */
  readonly line: number;
}

export interface BvhEndSite {
  /** `<joint>_end` (as most tools name it). */
  readonly name: string;
  readonly parent: number;
  readonly offset: readonly [number, number, number];
}

export interface BvhFile {
  readonly joints: readonly BvhJoint[];
  readonly endSites: readonly BvhEndSite[];
  /** Values per motion row. */
  readonly channelCount: number;
  readonly frameCount: number;
  /** Seconds per frame, as written. */
  readonly frameTime: number;
  /** Frames per second (1 / frameTime). */
  readonly rate: number;
  /** frameCount × channelCount channel values. */
  readonly motion: Float64Array;
}

/** A BVH error: the message names the line, and the file when the caller adds it. */
export class BvhError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.name = 'BvhError';
  }
}

const CHANNEL_NAMES: readonly BvhChannel[] = [
  'Xposition',
  'Yposition',
  'Zposition',
  'Xrotation',
  'Yrotation',
  'Zrotation',
];

function channelName(token: string): BvhChannel | null {
  const lower = token.toLowerCase();
  return CHANNEL_NAMES.find((c) => c.toLowerCase() === lower) ?? null;
}

interface Token {
  text: string;
  line: number;
}

/** Parses a whole BVH file. Throws BvhError with a line number for anything malformed. */
export function parseBvh(text: string): BvhFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);

  // Hierarchy: whitespace-separated tokens up to MOTION, each with its line.
  const tokens: Token[] = [];
  let motionLine = -1;
  for (let i = 0; i < lines.length && motionLine < 0; i++) {
    for (const t of lines[i].trim().split(/\s+/)) {
      if (t === '') continue;
      if (t.toUpperCase() === 'MOTION') {
        motionLine = i;
        break;
      }
      tokens.push({ text: t, line: i + 1 });
    }
  }
  let pos = 0;
  const lastLine = lines.length;
  const peek = (): Token | null => tokens[pos] ?? null;
  const next = (what: string): Token => {
    const t = tokens[pos++];
    if (!t) {
      throw new BvhError(
        `file ends where ${what} was expected${motionLine < 0 ? ' (no MOTION section)' : ''}`,
        motionLine < 0 ? lastLine : motionLine + 1,
      );
    }
    return t;
  };
  const expect = (word: string): Token => {
    const t = next(`"${word}"`);
    if (t.text.toUpperCase() !== word.toUpperCase()) {
      throw new BvhError(`expected "${word}", found "${t.text}"`, t.line);
    }
    return t;
  };
  const num = (what: string): number => {
    const t = next(what);
    const v = Number(t.text);
    if (!Number.isFinite(v)) throw new BvhError(`${what}: "${t.text}" is not a number`, t.line);
    return v;
  };
  const offset = (owner: string): [number, number, number] => {
    expect('OFFSET');
    return [num(`OFFSET x of ${owner}`), num(`OFFSET y of ${owner}`), num(`OFFSET z of ${owner}`)];
  };

  const joints: BvhJoint[] = [];
  const endSites: BvhEndSite[] = [];
  const names = new Set<string>();
  let channelCount = 0;

  const parseJoint = (parent: number, keyword: Token): void => {
    const nameTok = next(`a joint name after ${keyword.text}`);
    if (nameTok.text === '{' || nameTok.line !== keyword.line) {
      throw new BvhError(`${keyword.text} has no name`, keyword.line);
    }
    // Names are single tokens in practice; join the rest of the line to keep odd names whole.
    let name = nameTok.text;
    while (peek() && peek()!.line === keyword.line && peek()!.text !== '{') name += ` ${next('name').text}`;
    if (names.has(name)) throw new BvhError(`joint name "${name}" is used twice`, keyword.line);
    names.add(name);
    const open = expect('{');
    const off = offset(name);
    let channels: BvhChannel[] = [];
    if (peek()?.text.toUpperCase() === 'CHANNELS') {
      const chTok = next('CHANNELS');
      const nTok = next('a channel count');
      const n = Number(nTok.text);
      if (!Number.isInteger(n) || n < 0 || n > 6) {
        throw new BvhError(`CHANNELS of "${name}": count "${nTok.text}" is not 0 to 6`, nTok.line);
      }
      for (let k = 0; k < n; k++) {
        const t = peek();
        const ch = t && t.line === chTok.line ? channelName(t.text) : null;
        if (!t || t.line !== chTok.line) {
          throw new BvhError(`CHANNELS of "${name}" declares ${n} channels but lists ${k}`, chTok.line);
        }
        if (!ch) {
          throw new BvhError(
            `unknown channel name "${t.text}" for "${name}" (expected one of ${CHANNEL_NAMES.join(', ')})`,
            t.line,
          );
        }
        if (channels.includes(ch)) throw new BvhError(`channel ${ch} of "${name}" is listed twice`, t.line);
        channels.push(ch);
        pos++;
      }
      const extra = peek();
      if (extra && extra.line === chTok.line) {
        throw new BvhError(
          `CHANNELS of "${name}" declares ${n} channels but more follow ("${extra.text}")`,
          chTok.line,
        );
      }
    } else channels = [];
    const index = joints.length;
    joints.push({ name, parent, offset: off, channels, channelStart: channelCount, line: keyword.line });
    channelCount += channels.length;

    for (;;) {
      const t = peek();
      if (!t) {
        throw new BvhError(
          `file ends inside joint "${name}" (its "{" is on line ${open.line}): missing "}"`,
          motionLine < 0 ? lastLine : motionLine + 1,
        );
      }
      const word = t.text.toUpperCase();
      if (word === '}') {
        pos++;
        return;
      }
      if (word === 'JOINT') {
        pos++;
        parseJoint(index, t);
      } else if (word === 'END') {
        pos++;
        const site = next('"Site"');
        if (site.text.toUpperCase() !== 'SITE')
          throw new BvhError(`expected "End Site", found "End ${site.text}"`, t.line);
        expect('{');
        const o = offset(`End Site of "${name}"`);
        const close = next('"}"');
        if (close.text !== '}')
          throw new BvhError(`End Site of "${name}": expected "}", found "${close.text}"`, close.line);
        const count = endSites.filter((e) => e.parent === index).length;
        endSites.push({
          name: count === 0 ? `${name}_end` : `${name}_end${count + 1}`,
          parent: index,
          offset: o,
        });
      } else {
        throw new BvhError(
          `unexpected "${t.text}" inside joint "${name}" (expected JOINT, End Site or "}")`,
          t.line,
        );
      }
    }
  };

  const head = next('"HIERARCHY"');
  if (head.text.toUpperCase() !== 'HIERARCHY') {
    throw new BvhError(`not a BVH file: expected "HIERARCHY", found "${head.text.slice(0, 40)}"`, head.line);
  }
  while (peek()) {
    const t = next('ROOT');
    if (t.text.toUpperCase() !== 'ROOT') throw new BvhError(`expected ROOT, found "${t.text}"`, t.line);
    parseJoint(-1, t);
  }
  if (joints.length === 0) throw new BvhError('the hierarchy has no ROOT joint', head.line);
  if (motionLine < 0) throw new BvhError('no MOTION section (file truncated?)', lastLine);

  // MOTION header: "Frames: T" and "Frame Time: dt", tolerant of spacing and text after MOTION.
  let li = motionLine;
  const motionRest = lines[li]
    .trim()
    .replace(/^MOTION/i, '')
    .trim();
  const headerLines: { text: string; line: number }[] = [];
  if (motionRest) headerLines.push({ text: motionRest, line: li + 1 });
  li++;
  while (headerLines.length < 2 && li < lines.length) {
    const s = lines[li].trim();
    if (s) headerLines.push({ text: s, line: li + 1 });
    li++;
  }
  const framesM = headerLines[0] && /^Frames\s*:\s*(\S+)$/i.exec(headerLines[0].text);
  if (!framesM) {
    throw new BvhError(
      `expected "Frames: <count>" after MOTION${headerLines[0] ? `, found "${headerLines[0].text.slice(0, 40)}"` : ''}`,
      headerLines[0]?.line ?? motionLine + 1,
    );
  }
  const frameCount = Number(framesM[1]);
  if (!Number.isInteger(frameCount) || frameCount < 0) {
    throw new BvhError(`frame count "${framesM[1]}" is not a whole number`, headerLines[0].line);
  }
  const timeM = headerLines[1] && /^Frame\s*Time\s*:\s*(\S+)$/i.exec(headerLines[1].text);
  if (!timeM) {
    throw new BvhError(
      `expected "Frame Time: <seconds>" after Frames${headerLines[1] ? `, found "${headerLines[1].text.slice(0, 40)}"` : ''}`,
      headerLines[1]?.line ?? headerLines[0].line,
    );
  }
  const frameTime = Number(timeM[1]);
  if (!(frameTime > 0) || !Number.isFinite(frameTime)) {
    throw new BvhError(`Frame Time "${timeM[1]}" is not a positive number of seconds`, headerLines[1].line);
  }

  const motion = new Float64Array(frameCount * channelCount);
  let f = 0;
  for (; li < lines.length; li++) {
    const s = lines[li].trim();
    if (s === '') continue;
    if (f === frameCount) {
      throw new BvhError(`more frame rows than the ${frameCount} declared in "Frames:"`, li + 1);
    }
    const values = s.split(/\s+/);
    if (values.length !== channelCount) {
      throw new BvhError(
        `frame ${f} has ${values.length} values, the hierarchy has ${channelCount} channels`,
        li + 1,
      );
    }
    const base = f * channelCount;
    for (let c = 0; c < channelCount; c++) {
      const v = Number(values[c]);
      if (!Number.isFinite(v)) {
        throw new BvhError(`frame ${f}, value ${c + 1}: "${values[c]}" is not a number`, li + 1);
      }
      motion[base + c] = v;
    }
    f++;
  }
  if (f < frameCount) {
    throw new BvhError(
      `"Frames:" declares ${frameCount} frames but only ${f} follow (file truncated?)`,
      lines.length,
    );
  }
  return { joints, endSites, channelCount, frameCount, frameTime, rate: 1 / frameTime, motion };
}

export interface BvhFkOptions {
  /** Append End Sites after the joints (default false). */
  endSites?: boolean;
  /** First frame to compute (default 0). */
  start?: number;
  /** Frames to compute (default: to the end). */
  count?: number;
  /**
   * How a root's position channels combine with its OFFSET: 'add' (default; what the CMU
   * conversions and most readers do) or 'replace' (exporters that write absolute positions in the
   * channels and the first frame's position as OFFSET). Non-root joints always add.
   */
  rootTranslation?: 'add' | 'replace';
}

export interface BvhPoints<A extends Float32Array | Float64Array> {
  /** Joint names, then End Site names when asked for. */
  readonly names: readonly string[];
  /** Parent index of each point (−1 for a root). */
  readonly parents: readonly number[];
  readonly isEndSite: readonly boolean[];
  readonly frameCount: number;
  /** frameCount × names.length × 3 world positions in the file's units and axes. */
  readonly positions: A;
}

const DEG = Math.PI / 180;

/**
 * World positions of every joint (and End Site) per frame, in the file's units and axes, as
 * float32 (default) or float64.
 */
export function bvhForwardKinematics(bvh: BvhFile, options?: BvhFkOptions): BvhPoints<Float32Array>;
export function bvhForwardKinematics(
  bvh: BvhFile,
  options: BvhFkOptions,
  precision: 'float64',
): BvhPoints<Float64Array>;
export function bvhForwardKinematics(
  bvh: BvhFile,
  options: BvhFkOptions = {},
  precision: 'float32' | 'float64' = 'float32',
): BvhPoints<Float32Array | Float64Array> {
  const start = options.start ?? 0;
  const count = options.count ?? bvh.frameCount - start;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 0 ||
    start + count > bvh.frameCount
  ) {
    throw new Error(`Frames ${start}..${start + count} are outside the take's ${bvh.frameCount} frames`);
  }
  const J = bvh.joints.length;
  const ends = options.endSites ? bvh.endSites : [];
  const P = J + ends.length;
  const out = precision === 'float64' ? new Float64Array(count * P * 3) : new Float32Array(count * P * 3);
  const R = new Float64Array(J * 9); // world rotation per joint, row-major
  const T = new Float64Array(J * 3); // world position per joint
  const L = new Float64Array(9); // local rotation
  const tmp = new Float64Array(9);
  // Channel kinds per joint, precomputed: 0..2 = position x/y/z, 3..5 = rotation about x/y/z.
  const kinds = bvh.joints.map((j) => j.channels.map((c) => CHANNEL_NAMES.indexOf(c)));
  const replaceRoot = options.rootTranslation === 'replace';

  for (let f = 0; f < count; f++) {
    const row = (start + f) * bvh.channelCount;
    for (let j = 0; j < J; j++) {
      const joint = bvh.joints[j];
      let lx = joint.offset[0];
      let ly = joint.offset[1];
      let lz = joint.offset[2];
      L.set(IDENTITY);
      const ks = kinds[j];
      if (replaceRoot && joint.parent < 0) {
        if (ks.includes(0)) lx = 0;
        if (ks.includes(1)) ly = 0;
        if (ks.includes(2)) lz = 0;
      }
      for (let c = 0; c < ks.length; c++) {
        const v = bvh.motion[row + joint.channelStart + c];
        const k = ks[c];
        if (k === 0) lx += v;
        else if (k === 1) ly += v;
        else if (k === 2) lz += v;
        else rotateRight(L, k - 3, v * DEG, tmp);
      }
      const p = joint.parent;
      const o = j * 9;
      if (p < 0) {
        R.set(L, o);
        T[j * 3] = lx;
        T[j * 3 + 1] = ly;
        T[j * 3 + 2] = lz;
      } else {
        const po = p * 9;
        for (let r = 0; r < 3; r++) {
          const a0 = R[po + r * 3];
          const a1 = R[po + r * 3 + 1];
          const a2 = R[po + r * 3 + 2];
          T[j * 3 + r] = T[p * 3 + r] + a0 * lx + a1 * ly + a2 * lz;
          for (let c = 0; c < 3; c++) R[o + r * 3 + c] = a0 * L[c] + a1 * L[3 + c] + a2 * L[6 + c];
        }
      }
      const w = (f * P + j) * 3;
      out[w] = T[j * 3];
      out[w + 1] = T[j * 3 + 1];
      out[w + 2] = T[j * 3 + 2];
    }
    for (let e = 0; e < ends.length; e++) {
      const { parent: p, offset: off } = ends[e];
      const w = (f * P + J + e) * 3;
      for (let r = 0; r < 3; r++) {
        out[w + r] =
          T[p * 3 + r] +
          R[p * 9 + r * 3] * off[0] +
          R[p * 9 + r * 3 + 1] * off[1] +
          R[p * 9 + r * 3 + 2] * off[2];
      }
    }
  }
  return {
    names: [...bvh.joints.map((j) => j.name), ...ends.map((e) => e.name)],
    parents: [...bvh.joints.map((j) => j.parent), ...ends.map((e) => e.parent)],
    isEndSite: [...bvh.joints.map(() => false), ...ends.map(() => true)],
    frameCount: count,
    positions: out,
  };
}

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** M ← M · R_axis(angle) (axis 0 = x, 1 = y, 2 = z), M row-major 3×3. */
function rotateRight(M: Float64Array, axis: number, angle: number, tmp: Float64Array): void {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  tmp.set(M);
  // Columns i, k of M mix; the column of the rotation axis stays.
  const i = axis === 0 ? 1 : axis === 1 ? 2 : 0;
  const k = axis === 0 ? 2 : axis === 1 ? 0 : 1;
  for (let r = 0; r < 3; r++) {
    const mi = tmp[r * 3 + i];
    const mk = tmp[r * 3 + k];
    M[r * 3 + i] = mi * c + mk * s;
    M[r * 3 + k] = -mi * s + mk * c;
  }
}

/**
 * Length of the longest path between two points of the skeleton along its bones (sum of OFFSET
 * lengths, End Sites included): a pose-independent size, about fingertip-to-toe for a human.
 */
export function bvhSkeletonSpan(bvh: BvhFile): number {
  const n = bvh.joints.length;
  const children: { to: number; len: number }[][] = Array.from({ length: n }, () => []);
  const norm = (o: readonly number[]) => Math.hypot(o[0], o[1], o[2]);
  bvh.joints.forEach((j, i) => {
    if (j.parent >= 0) children[j.parent].push({ to: i, len: norm(j.offset) });
  });
  const endLen = new Float64Array(n);
  for (const e of bvh.endSites) endLen[e.parent] = Math.max(endLen[e.parent], norm(e.offset));
  // Deepest downward path from each joint; children come after parents, so walk backwards.
  const down = Float64Array.from(endLen);
  let best = 0;
  for (let j = n - 1; j >= 0; j--) {
    const branches = [endLen[j], ...children[j].map((c) => c.len + down[c.to])].sort((a, b) => b - a);
    down[j] = branches[0];
    best = Math.max(best, branches[0] + (branches[1] ?? 0));
  }
  return best;
}
