/**
 * Mappings between skeletons, as data.
 *
 * Each target joint is a weighted sum of source joints (a copy is one term of weight 1, a midpoint
 * two terms of 0.5); a target with no terms has no source and comes out as 0, 0, 0. The score of a
 * mapped joint is the lowest score among its sources, so a midpoint is only as sure as its weakest
 * end. Mappings compose (weights multiply), so `mapPose` also finds indirect routes, e.g.
 * BlazePose-33 → COCO-17+feet → COCO-17 → H36M-17.
 *
 * Joints with the same name in both skeletons are copied unless a rule says otherwise.
 */
import { blazepose33 } from './blazepose33';
import { coco17 } from './coco17';
import { coco17Feet } from './coco17-feet';
import { h36m17 } from './h36m17';
import { halpe26 } from './halpe26';
import { openposeBody25, openposeCoco18 } from './openpose';
import type { Skeleton, SkeletonId } from './types';

/** One source joint and its weight. */
export type MappingTerm = readonly [sourceJoint: number, weight: number];

export interface JointMapping {
  readonly from: SkeletonId;
  readonly to: SkeletonId;
  /** Per target joint, the weighted source joints (empty: no source, written as 0, 0, 0). */
  readonly terms: readonly (readonly MappingTerm[])[];
  /** What the mapping approximates, for the user. */
  readonly notes: string;
}

/** Target joint name → source joint names averaged equally, or null for "no source". */
type Rules = Record<string, readonly string[] | null>;

function byName(from: Skeleton, to: Skeleton, rules: Rules, notes: string): JointMapping {
  const terms = to.joints.map((name) => {
    const rule = name in rules ? rules[name] : from.joints.includes(name) ? [name] : null;
    if (!rule) return [];
    return rule.map((src): MappingTerm => {
      const i = from.joints.indexOf(src);
      if (i < 0) throw new Error(`Mapping ${from.id} → ${to.id}: unknown source joint ${src}`);
      return [i, 1 / rule.length];
    });
  });
  return { from: from.id, to: to.id, terms, notes };
}

const MID_HIP = ['left_hip', 'right_hip'];
const MID_SHOULDER = ['left_shoulder', 'right_shoulder'];

/** Every direct mapping Kinema knows. */
export const mappings: readonly JointMapping[] = [
  byName(coco17Feet, coco17, {}, 'Drops the six foot points.'),
  byName(coco17, coco17Feet, {}, 'The six foot points have no source: 0, 0, 0.'),
  byName(
    blazepose33,
    coco17Feet,
    { left_big_toe: ['left_foot_index'], right_big_toe: ['right_foot_index'] },
    'Big toe = BlazePose foot index; BlazePose has no small toe (0, 0, 0).',
  ),
  byName(halpe26, coco17Feet, {}, 'Drops head, neck and hip centre.'),
  byName(
    coco17Feet,
    halpe26,
    { neck: MID_SHOULDER, hip: MID_HIP, head: null },
    'Neck = mid-shoulder, hip = mid-hip; head top has no source (0, 0, 0).',
  ),
  byName(openposeBody25, coco17Feet, {}, 'Drops neck and mid-hip.'),
  byName(
    coco17Feet,
    openposeBody25,
    { neck: MID_SHOULDER, mid_hip: MID_HIP },
    'Neck = mid-shoulder, mid-hip = mid of the hips.',
  ),
  byName(openposeCoco18, coco17, {}, 'Drops the neck.'),
  byName(coco17, openposeCoco18, { neck: MID_SHOULDER }, 'Neck = mid-shoulder.'),
  byName(
    coco17,
    h36m17,
    {
      pelvis: MID_HIP,
      right_foot: ['right_ankle'],
      left_foot: ['left_ankle'],
      thorax: MID_SHOULDER,
      // Midpoint of pelvis and thorax = the mean of the four corners of the torso.
      spine: [...MID_HIP, ...MID_SHOULDER],
      neck_nose: ['nose'],
      head: ['left_ear', 'right_ear'],
    },
    'The approximation used to feed COCO detections to H36M lifters (VideoPose3D custom videos): ' +
      'pelvis = mid-hip, thorax = mid-shoulder, spine = midpoint of pelvis and thorax, ' +
      'neck/nose = nose, head = mid-ears (some tools use mid-eyes), feet = ankles.',
  ),
];

function compose(a: JointMapping, b: JointMapping): JointMapping {
  const terms = b.terms.map((targetTerms) => {
    const sum = new Map<number, number>();
    for (const [mid, w] of targetTerms) {
      for (const [src, v] of a.terms[mid]) sum.set(src, (sum.get(src) ?? 0) + w * v);
    }
    // A middle joint without a source leaves the target without one too.
    if (targetTerms.some(([mid]) => a.terms[mid].length === 0)) return [];
    return [...sum].map(([src, w]): MappingTerm => [src, w]);
  });
  return { from: a.from, to: b.to, terms, notes: `${a.notes} Then: ${b.notes}` };
}

const cache = new Map<string, JointMapping | null>();

/** The mapping from one skeleton to another (direct or composed), or null if there is no route. */
export function findMapping(from: SkeletonId, to: SkeletonId, jointCount?: number): JointMapping | null {
  const key = `${from}>${to}`;
  if (cache.has(key)) return cache.get(key) ?? null;
  let found: JointMapping | null = null;
  if (from === to) {
    const k = jointCount ?? 0;
    found = { from, to, terms: Array.from({ length: k }, (_, i) => [[i, 1] as const]), notes: 'Identity.' };
    return found;
  }
  // Breadth-first: the shortest chain of direct mappings.
  const queue: JointMapping[] = mappings.filter((m) => m.from === from);
  const seen = new Set<SkeletonId>([from]);
  while (queue.length > 0) {
    const m = queue.shift()!;
    if (m.to === to) {
      found = m;
      break;
    }
    if (seen.has(m.to)) continue;
    seen.add(m.to);
    for (const next of mappings) if (next.from === m.to && !seen.has(next.to)) queue.push(compose(m, next));
  }
  cache.set(key, found);
  return found;
}
