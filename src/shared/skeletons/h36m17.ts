import { linksFromParents, swapPairsByName, type Skeleton } from './types';

/** Human3.6M's 17 joints in the order VideoPose3D uses. */
export const H36M17_JOINTS = [
  'pelvis',
  'right_hip',
  'right_knee',
  'right_foot',
  'left_hip',
  'left_knee',
  'left_foot',
  'spine',
  'thorax',
  'neck_nose',
  'head',
  'left_shoulder',
  'left_elbow',
  'left_wrist',
  'right_shoulder',
  'right_elbow',
  'right_wrist',
] as const;

/** Kinematic tree rooted at the pelvis. */
export const H36M17_PARENTS = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15] as const;

export const h36m17: Skeleton = {
  id: 'h36m17',
  name: 'Human3.6M-17',
  joints: H36M17_JOINTS,
  parents: H36M17_PARENTS,
  swapPairs: swapPairsByName(H36M17_JOINTS),
  links: linksFromParents(H36M17_PARENTS),
  notes:
    '3D: metres, camera space, root-relative (pelvis at the origin). ' +
    'As a 2D layout (e.g. mapped from COCO): x, y in image pixels, score in [0, 1].',
};
