/**
 * Synthetic athletes doing different actions, for the action tools' tests: the side-view walker
 * (walker.ts) walking, squatting (thighs swing forward to 75° and knees bend to 130° while the hips
 * drop, one squat per `period` seconds) or standing still, strung together as segments of one
 * pose track. Each segment starts its motion at its own phase 0, so every occurrence of an action
 * is a whole motion.
 */
import type { PoseRow } from '../../src/shared/pose';
import { walker, walkerPose, type Walker } from './walker';

export type ActionKind = 'walk' | 'squat' | 'stand';

export interface ActionSegment {
  kind: ActionKind;
  frames: number;
  /** Seconds per stride or squat (default 1.1 for walks, 1.6 for squats). */
  period?: number;
  /** Walking direction. */
  dir?: 1 | -1;
}

const squatDepth = (t: number, period: number) => (1 - Math.cos((2 * Math.PI * t) / period)) / 2;

function squatter(period: number): Walker {
  return {
    stride: period,
    thigh: (t) => 75 * squatDepth(t, period),
    knee: (t) => 5 + 125 * squatDepth(t, period),
  };
}

const standing: Walker = { stride: 1, thigh: () => 2, knee: () => 5 };

/**
 * Rows of one track performing the segments in order from frame `first`; returns the rows and
 * each segment's half-open frame range.
 */
export function actionTrack(
  segments: readonly ActionSegment[],
  o: { fps: number; first?: number },
): { rows: PoseRow[]; ranges: { kind: ActionKind; inFrame: number; outFrame: number }[] } {
  const rows: PoseRow[] = [];
  const ranges: { kind: ActionKind; inFrame: number; outFrame: number }[] = [];
  let frame = o.first ?? 0;
  let hipX = 500;
  for (const s of segments) {
    const w =
      s.kind === 'walk' ? walker(s.period ?? 1.1) : s.kind === 'squat' ? squatter(s.period ?? 1.6) : standing;
    ranges.push({ kind: s.kind, inFrame: frame, outFrame: frame + s.frames });
    for (let f = 0; f < s.frames; f++) {
      const t = f / o.fps;
      const dir = s.dir ?? 1;
      const x = s.kind === 'walk' ? hipX + dir * 120 * t : hipX;
      const hipY = s.kind === 'squat' ? 420 + 90 * squatDepth(t, s.period ?? 1.6) : 420;
      const keypoints = walkerPose(w, t, { dir, hipX: x, hipY });
      rows.push({ frame, keypoints, box: [x - 80, hipY - 200, 160, 430], score: 0.9 });
      frame++;
    }
    if (s.kind === 'walk') hipX += (s.dir ?? 1) * 120 * (s.frames / o.fps);
  }
  return { rows, ranges };
}
