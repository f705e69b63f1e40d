/**
 * Checks Kinema's BVH forward kinematics against an independent FK pass
 * (../shared/data/mocap/reference-fk: *.bvh with *_joints3d.npz holding joints3d [T, J, 3] float32
 * in BVH units, joint_names, parents, is_end_site, fps), then imports every BVH of cmu-bvh/ and
 * cmu-bvh-cc-rig/: parse + FK time, detected rig, units, dropped rest frames and how many target
 * joints each mapping supplies.
 *
 *   npx tsx bench/mocap-fk-check.ts
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePythonLiteral, readNpy, readNpz } from '../src/main/formats/npy';
import { bvhForwardKinematics, importBvh, mapToTarget, parseBvh, type Placement } from '../src/shared/mocap';

const DATA = join(process.cwd(), '..', 'shared', 'data', 'mocap');

/** numpy '<U…' string arrays (UTF-32LE, fixed width), which the app's .npy reader does not decode. */
function readUnicodeNpy(bytes: Uint8Array, name: string): string[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = parsePythonLiteral(
    new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen)).trim(),
    name,
  ) as Record<string, unknown>;
  const m = /^<U(\d+)$/.exec(String(header.descr));
  if (!m) throw new Error(`${name}: expected a '<U' string array, got ${String(header.descr)}`);
  const width = Number(m[1]);
  const count = (header.shape as number[]).reduce((a, b) => a * b, 1);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    for (let c = 0; c < width; c++) {
      const cp = dv.getUint32(start + headerLen + (i * width + c) * 4, true);
      if (cp === 0) break;
      s += String.fromCodePoint(cp);
    }
    out.push(s);
  }
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function checkReference(): void {
  const dir = join(DATA, 'reference-fk');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bvh'))
    .sort();
  console.log('FK against the independent reference (reference-fk/), float64 FK, End Sites included');
  console.log(
    'file        frames joints parse ms  FK ms  max |Δ| (units)  mean |Δ| (units)  height (units)  max |Δ|/height',
  );
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const t0 = performance.now();
    const bvh = parseBvh(text);
    const t1 = performance.now();
    const fk = bvhForwardKinematics(bvh, { endSites: true }, 'float64');
    const t2 = performance.now();
    const npz = readNpz(readFileSync(join(dir, f.replace(/\.bvh$/, '_joints3d.npz'))), f);
    const ref = readNpy(npz.get('joints3d')!, 'joints3d');
    if (ref.dtype === 'object') throw new Error(`${f}: joints3d is not numeric`);
    const names = readUnicodeNpy(npz.get('joint_names')!, 'joint_names');
    const [T, J] = ref.shape;
    if (T !== fk.frameCount) throw new Error(`${f}: reference has ${T} frames, Kinema ${fk.frameCount}`);
    const P = fk.names.length;
    const index = names.map((n) => fk.names.indexOf(n));
    const unmatched = names.filter((_, k) => index[k] < 0);
    let max = 0;
    let sum = 0;
    let n = 0;
    const extents: number[] = [];
    for (let t = 0; t < T; t++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = 0; j < J; j++) {
        const y = ref.data[(t * J + j) * 3 + 1];
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
        if (index[j] < 0) continue;
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(fk.positions[(t * P + index[j]) * 3 + c] - ref.data[(t * J + j) * 3 + c]);
          max = Math.max(max, d);
          sum += d;
          n++;
        }
      }
      extents.push(hi - lo);
    }
    const height = median(extents);
    console.log(
      `${f.padEnd(11)} ${String(T).padStart(6)} ${String(J).padStart(6)} ${(t1 - t0).toFixed(1).padStart(8)} ${(t2 - t1).toFixed(1).padStart(6)}  ${max.toExponential(2).padStart(15)}  ${(sum / n).toExponential(2).padStart(16)}  ${height.toFixed(1).padStart(14)}  ${(max / height).toExponential(2).padStart(14)}` +
        (unmatched.length
          ? `  (${unmatched.length} reference points not found: ${unmatched.slice(0, 3).join(', ')})`
          : ''),
    );
  }
  console.log('height = median over frames of the vertical (Y) extent of all reference points.\n');
}

interface RigStats {
  files: number;
  frames: number;
  ms: number;
  units: Set<string>;
  dropped: number[];
  h36m: Map<string, number>;
  coco: Map<string, number>;
  missing: Set<string>;
}

function describePlacement(p: readonly Placement[]): string {
  const c = (k: Placement) => p.filter((x) => x === k).length;
  return `${p.length - c('missing')}/${p.length} (${c('joint')} joint, ${c('mix')} mix, ${c('approx')} approx)`;
}

function importAll(): void {
  const stats = new Map<string, RigStats>();
  const failures: string[] = [];
  let parsed = 0;
  let total = 0;
  for (const folder of ['cmu-bvh', 'cmu-bvh-cc-rig']) {
    const dir = join(DATA, folder);
    if (!existsSync(dir)) {
      console.log(`${folder}/ is missing: skipped`);
      continue;
    }
    for (const f of readdirSync(dir)
      .filter((x) => x.toLowerCase().endsWith('.bvh'))
      .sort()) {
      total++;
      try {
        const text = readFileSync(join(dir, f), 'utf8');
        const t0 = performance.now();
        const imp = importBvh(text, { take: f });
        const ms = performance.now() - t0;
        parsed++;
        const key = `${folder}/${imp.rig?.id ?? 'unknown rig'}`;
        let s = stats.get(key);
        if (!s) {
          s = {
            files: 0,
            frames: 0,
            ms: 0,
            units: new Set(),
            dropped: [],
            h36m: new Map(),
            coco: new Map(),
            missing: new Set(),
          };
          stats.set(key, s);
        }
        s.files++;
        s.frames += imp.take.frameCount;
        s.ms += ms;
        s.units.add(
          `${imp.take.meta.unitSource}: ${imp.metresPerUnit.toPrecision(4)} m/unit (guess ${imp.unitsGuess?.unit ?? 'none'})`,
        );
        s.dropped.push(imp.droppedFrames);
        if (imp.rig) {
          for (const [target, map] of [
            ['h36m17', s.h36m],
            ['coco17-feet', s.coco],
          ] as const) {
            const m = mapToTarget(imp.take, target, imp.rig);
            const d = describePlacement(m.placement);
            map.set(d, (map.get(d) ?? 0) + 1);
            m.missing.forEach((x) => s.missing.add(`${target}:${x}`));
          }
        }
      } catch (err) {
        failures.push(`${folder}/${f}: ${(err as Error).message}`);
      }
    }
  }
  console.log(`Imported ${parsed} of ${total} BVH files (parse + FK + units + rest-frame check).`);
  for (const fl of failures) console.log(`  FAILED ${fl}`);
  for (const [key, s] of stats) {
    const dropped = new Map<number, number>();
    s.dropped.forEach((d) => dropped.set(d, (dropped.get(d) ?? 0) + 1));
    console.log(
      `\n${key}: ${s.files} files, ${s.frames} frames, ${(s.ms / 1000).toFixed(2)} s import (${((s.frames / s.ms) * 1000).toFixed(0)} frames/s)`,
    );
    console.log(`  units: ${[...s.units].join('; ')}`);
    console.log(
      `  leading rest frames dropped: ${[...dropped.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([d, c]) => `${d} in ${c} files`)
        .join(', ')}`,
    );
    console.log(
      `  H36M-17 supplied: ${[...s.h36m.entries()].map(([d, c]) => `${d} in ${c} files`).join('; ') || 'no rig'}`,
    );
    console.log(
      `  COCO-17+feet supplied: ${[...s.coco.entries()].map(([d, c]) => `${d} in ${c} files`).join('; ') || 'no rig'}`,
    );
    if (s.missing.size) console.log(`  missing: ${[...s.missing].join(', ')}`);
  }
}

if (!existsSync(join(DATA, 'reference-fk'))) {
  console.log(
    `No mocap data at ${DATA} (../shared/data/mocap): nothing to check. This benchmark needs the shared data folder.`,
  );
  process.exit(0);
}
checkReference();
importAll();
