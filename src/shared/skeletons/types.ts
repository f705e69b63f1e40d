/**
 * What a skeleton is: joint names, optional parent indices, left/right swap pairs and the links an
 * overlay draws. Skeletons are plain data so that overlays, flip augmentation, angles and exports
 * all read the same definition.
 */

/** Identifier of every skeleton Kinema knows. */
export type SkeletonId =
  'coco17' | 'coco17-feet' | 'h36m17' | 'blazepose33' | 'halpe26' | 'openpose-body25' | 'openpose-coco18';

export interface Skeleton {
  readonly id: SkeletonId;
  /** Human-readable name. */
  readonly name: string;
  /** Joint names in storage order (snake_case, `left_`/`right_` from the subject's point of view). */
  readonly joints: readonly string[];
  /** Parent joint per joint (-1 for the root), or null where no natural hierarchy exists. */
  readonly parents: readonly number[] | null;
  /** Pairs of joints that swap when the image is mirrored. */
  readonly swapPairs: readonly (readonly [number, number])[];
  /** Joint pairs an overlay draws as bones. */
  readonly links: readonly (readonly [number, number])[];
  /** Units and conventions of the points stored in this layout. */
  readonly notes: string;
}

/** Every `left_X` (or `X_left`) joint paired with its `right_X` (`X_right`), found by name. */
export function swapPairsByName(joints: readonly string[]): [number, number][] {
  const pairs: [number, number][] = [];
  joints.forEach((name, i) => {
    const partner = name.startsWith('left_')
      ? `right_${name.slice(5)}`
      : name.endsWith('_left')
        ? `${name.slice(0, -5)}_right`
        : null;
    const j = partner ? joints.indexOf(partner) : -1;
    if (j >= 0) pairs.push([i, j]);
  });
  return pairs;
}

/** Links given as pairs of joint names, resolved to indices (throws on a typo at module load). */
export function linksByName(
  joints: readonly string[],
  pairs: readonly (readonly [string, string])[],
): [number, number][] {
  return pairs.map(([a, b]) => {
    const i = joints.indexOf(a);
    const j = joints.indexOf(b);
    if (i < 0 || j < 0) throw new Error(`Skeleton link ${a}-${b} names an unknown joint`);
    return [i, j];
  });
}

/** Links of a hierarchy: each joint to its parent. */
export function linksFromParents(parents: readonly number[]): [number, number][] {
  const links: [number, number][] = [];
  parents.forEach((p, i) => {
    if (p >= 0) links.push([p, i]);
  });
  return links;
}
