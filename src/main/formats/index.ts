/**
 * Pose file formats: each module reads into and writes from a `PoseSet` (src/shared/pose), checks
 * what it reads and what it is given, throws `KinemaError`s that name the file and the problem,
 * and writes through temporary names renamed into place (never a partial file).
 *
 * | Format | Module | Holds | Quirks |
 * | --- | --- | --- | --- |
 * | VPD pose folder | `vpd.ts` | `boxes.json` (main athlete's box per frame), `coco_keypoints.json.gz` (every person per frame: score, box, 17 × [x, y, s]), `mask.json.gz` (base64 PNG masks), `meta.json` | No identities: the person matching the boxes.json box is track 0, the others are numbered per frame. Masks kept opaque. Video names: `[front__|back__]<video>[_<number>]_<start>_<end>` (`parseVpdVideoName`). |
 * | AlphaPose JSON | `alphapose.ts` | list of `{image_id, category_id, keypoints, score, box, idx}` | `image_id` is a file name or number (frame = its last number); `idx` = track id (may be a one-element list); 26 keypoints = Halpe-26 → COCO-17+feet; person scores > 1 clipped. No video size. |
 * | COCO keypoints | `coco.ts` | `{images, annotations, categories}` | Third keypoint value is visibility (0/1/2) in ground truth, a score in results; `track_id` = track; WholeBody `foot_kpts` read as feet. |
 * | OpenPose JSON | `openpose.ts` | folder of `<name>_<000000000123>_keypoints.json`, `people[].pose_keypoints_2d` | BODY_25 → COCO-17+feet, COCO-18 → COCO-17; missing joints 0, 0, 0; no boxes or scores (derived); `person_id` usually -1. |
 * | VideoPose3D npz | `videopose3d.ts` | `positions_2d` {subject: {action: [frames × 17 × 2]}} and `metadata`, both pickled | Restricted pickle reader/writer (`pickle.ts`), own .npy/.npz codec (`npy.ts`); dense frames (gaps interpolated), one person per video; a pickle-free `plain` layout too. |
 * | CSV | `csv.ts` | one row per (frame, track): frame, track_id, score, box, `<joint>_x/_y/_score` | Skeleton identified by the header; no video facts. |
 *
 * Scores are clipped to [0, 1] when read; coordinates stay in image pixels throughout.
 */
export * from './alphapose';
export * from './coco';
export * from './csv';
export { formatError, writeFileAtomic, writeFilesAtomic, f32 } from './io';
export * from './npy';
export * from './openpose';
export {
  pickleDump,
  pickleObjectArray,
  unpickleRestricted,
  objectArrayItem,
  PyTuple,
  PyNdArrayBox,
  type PyValue,
  type PyDict,
  type PyNdArray,
  type PickleInput,
} from './pickle';
export * from './videopose3d';
export * from './vpd';
export * from './by-name';
