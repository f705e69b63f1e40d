import { COCO17_JOINTS, COCO17_LINK_NAMES } from './coco17';
import { linksByName, swapPairsByName, type Skeleton } from './types';

/**
 * COCO-17 followed by 6 foot points.
 *
 * The feet follow COCO-WholeBody's order (left big toe, left small toe, left heel, then the same on
 * the right), so these 23 joints are exactly the first 23 keypoints of COCO-WholeBody and a
 * WholeBody model's output loads by truncation. Halpe-26 stores the same six points in another
 * order after three extra joints (head, neck, hip); `halpe26` and its mapping handle that layout.
 */
export const COCO17_FEET_JOINTS = [
  ...COCO17_JOINTS,
  'left_big_toe',
  'left_small_toe',
  'left_heel',
  'right_big_toe',
  'right_small_toe',
  'right_heel',
] as const;

export const coco17Feet: Skeleton = {
  id: 'coco17-feet',
  name: 'COCO-17 + feet',
  joints: COCO17_FEET_JOINTS,
  parents: null,
  swapPairs: swapPairsByName(COCO17_FEET_JOINTS),
  links: linksByName(COCO17_FEET_JOINTS, [
    ...COCO17_LINK_NAMES,
    ['left_ankle', 'left_heel'],
    ['left_ankle', 'left_big_toe'],
    ['left_big_toe', 'left_small_toe'],
    ['right_ankle', 'right_heel'],
    ['right_ankle', 'right_big_toe'],
    ['right_big_toe', 'right_small_toe'],
  ]),
  notes: 'x, y in image pixels, score in [0, 1]; COCO-WholeBody body + foot order.',
};
