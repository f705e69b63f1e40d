import { linksByName, swapPairsByName, type Skeleton } from './types';

/** The 17 COCO keypoints, in the order of the COCO keypoint annotations. */
export const COCO17_JOINTS = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;

/** Bones of the COCO body: face, arms, torso, legs. */
export const COCO17_LINK_NAMES: readonly (readonly [string, string])[] = [
  ['nose', 'left_eye'],
  ['nose', 'right_eye'],
  ['left_eye', 'right_eye'],
  ['left_eye', 'left_ear'],
  ['right_eye', 'right_ear'],
  ['left_ear', 'left_shoulder'],
  ['right_ear', 'right_shoulder'],
  ['left_shoulder', 'right_shoulder'],
  ['left_shoulder', 'left_elbow'],
  ['left_elbow', 'left_wrist'],
  ['right_shoulder', 'right_elbow'],
  ['right_elbow', 'right_wrist'],
  ['left_shoulder', 'left_hip'],
  ['right_shoulder', 'right_hip'],
  ['left_hip', 'right_hip'],
  ['left_hip', 'left_knee'],
  ['left_knee', 'left_ankle'],
  ['right_hip', 'right_knee'],
  ['right_knee', 'right_ankle'],
];

export const coco17: Skeleton = {
  id: 'coco17',
  name: 'COCO-17',
  joints: COCO17_JOINTS,
  parents: null,
  swapPairs: swapPairsByName(COCO17_JOINTS),
  links: linksByName(COCO17_JOINTS, COCO17_LINK_NAMES),
  notes: 'x, y in image pixels, score in [0, 1]; 2D detector output (COCO keypoint order).',
};
