/** Database fixtures of the editor's tests: a video row without a file, and a model run on it. */
import type { Db } from '../../../src/main/db/connection';
import { storePoseSet } from '../../../src/main/db/poses';
import { insertVideo } from '../../../src/main/db/videos';
import { segmentToTrack } from '../../../src/shared/editing';
import { makeSegment, range } from './helpers';

export const FRAMES = 3000;

export function fakeVideo(db: Db, path: string, frames = FRAMES): number {
  return insertVideo(
    db,
    {
      path,
      sizeBytes: 1,
      mtimeMs: 0,
      formatName: 'mov',
      startTimeS: 0,
      durationS: frames / 25,
      codec: 'h264',
      width: 1280,
      height: 720,
      fpsNum: 25,
      fpsDen: 1,
      fps: 25,
      declaredFrames: frames,
      hasAudio: false,
      rotation: 0,
    },
    { frameTimes: Float64Array.from({ length: frames }, (_, i) => i / 25), keyframes: new Uint32Array([0]) },
  );
}

/** A model run: track 0 on frames 0–2499 (three stored chunks), track 1 on frames 100–199. */
export function storeModelRun(db: Db, videoId: number): number {
  return storePoseSet(
    db,
    videoId,
    {
      video: { width: 1280, height: 720, fps: 25, frameCount: FRAMES, name: 'serve' },
      tracks: [
        segmentToTrack(makeSegment(range(0, 2500), 0), 0, 'coco17'),
        segmentToTrack(makeSegment(range(100, 200), 1), 1, 'coco17'),
      ],
      provenance: { model: 'movenet-lightning', params: {} },
    },
    { source: 'model', model: 'movenet-lightning', labels: new Map([[0, 'person']]) },
  );
}
