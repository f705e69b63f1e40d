import { COCO17_JOINTS, COCO17_LINK_NAMES } from './coco17';
import { linksByName, swapPairsByName, type Skeleton } from './types';

/** Halpe-26 (AlphaPose's full-body layout): COCO-17, head top, neck, hip centre, then the feet. */
export const HALPE26_JOINTS = [
  ...COCO17_JOINTS,
  'head',
  'neck',
  'hip',
  'left_big_toe',
  'right_big_toe',
  'left_small_toe',
  'right_small_toe',
  'left_heel',
  'right_heel',
] as const;

export const halpe26: Skeleton = {
  id: 'halpe26',
  name: 'Halpe-26',
  joints: HALPE26_JOINTS,
  parents: null,
  swapPairs: swapPairsByName(HALPE26_JOINTS),
  links: linksByName(HALPE26_JOINTS, [
    ...COCO17_LINK_NAMES,
    ['head', 'neck'],
    ['neck', 'hip'],
    ['left_ankle', 'left_heel'],
    ['left_ankle', 'left_big_toe'],
    ['left_big_toe', 'left_small_toe'],
    ['right_ankle', 'right_heel'],
    ['right_ankle', 'right_big_toe'],
    ['right_big_toe', 'right_small_toe'],
  ]),
  notes: 'x, y in image pixels, score in [0, 1]; AlphaPose Halpe-26 order.',
};
