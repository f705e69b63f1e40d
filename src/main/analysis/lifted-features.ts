/**
 * Alignment on lifted 3D poses (`features: ['lifted3d']`): each side's 2D track range is lifted
 * to H36M-17 joints by the default shipped lifter, and DTW compares view-invariant features of
 * the 3D joints in a body-centred frame (bone directions + joint-angle cosines, poseFeatures3d).
 * This is what aligns a learner filmed from another side than the reference (bench/align-lifted.ts:
 * walks at 60-90° view differences to ~1 frame, where 2D features are off by 4-12 frames).
 *
 * A lift already stored for the track (frame_series kind 'joints3d') that covers the range is
 * reused: one made here carries a fingerprint of its poses and is reused only while they are
 * unchanged; one from the lift job is taken as current (re-run the lift after correcting a track).
 * Otherwise the track is lifted here (lifting/core.ts, as the lift job does) and stored.
 */
import { KinemaError } from '../../shared/contract';
import { poseFeatures3d, type FeatureSequence } from '../../shared/alignment';
import { trackRange } from '../../shared/pose';
import type { Db } from '../db/connection';
import * as posesDb from '../db/poses';
import * as seriesDb from '../db/series';
import { posesFingerprint } from '../db/series';
import { getVideo } from '../db/videos';
import { listLifters } from '../inference/models';
import { isLiftable, LIFT_WIDTH, liftPoseTrack } from '../lifting/core';
import { Lifter } from '../training/lift';

export const LIFTED_FEATURE = 'lifted3d';

export interface SideRange {
  runId: number;
  trackId: number;
  inFrame?: number;
  outFrame?: number;
}

/** 3D joints (frames × 51, metres) of one side, one row per video frame from its first to last pose. */
async function liftedJoints(
  db: Db,
  side: SideRange,
  what: string,
  lifter: () => Promise<{ lifter: Lifter; id: string }>,
  onStored: (videoId: number) => void,
): Promise<{ joints: Float32Array; first: number; count: number }> {
  const { run, tracks } = posesDb.loadRunTracks(db, side.runId);
  const full = tracks.find((t) => t.trackId === side.trackId);
  if (!full)
    throw new KinemaError(
      'NOT_FOUND',
      `The ${what}'s run ${side.runId} has no track ${side.trackId} (tracks: ${tracks.map((t) => t.trackId).join(', ') || 'none'}).`,
    );
  if (!isLiftable(full.skeletonId))
    throw new KinemaError(
      'BAD_INPUT',
      `Lifting to 3D reads COCO-17 (with or without feet) or H36M-17 tracks; the ${what}'s run ${side.runId} is ${full.skeletonId}.`,
    );
  const track = trackRange(full, side.inFrame, side.outFrame);
  if (track.frames.length < 2)
    throw new KinemaError(
      'NO_POSES',
      `The ${what} has ${track.frames.length === 0 ? 'no pose' : 'only one pose'} in its range; alignment needs a sequence.`,
    );
  const first = track.frames[0];
  const count = track.frames[track.frames.length - 1] - first + 1;
  const hash = posesFingerprint(track);
  const stored = seriesDb
    .listSeries(db, { kind: 'joints3d', runId: side.runId, trackId: side.trackId })
    .find(
      (s) =>
        s.width === LIFT_WIDTH &&
        s.firstFrame <= first &&
        s.firstFrame + s.frameCount >= first + count &&
        (s.params.posesHash === undefined || s.params.posesHash === hash),
    );
  if (stored) {
    const all = seriesDb.getSeries(db, stored.id).values;
    const at = (first - stored.firstFrame) * LIFT_WIDTH;
    return { joints: all.slice(at, at + count * LIFT_WIDTH), first, count };
  }
  const video = getVideo(db, run.videoId);
  const { lifter: l, id } = await lifter();
  const r = await liftPoseTrack(l, full, { video, inFrame: side.inFrame, outFrame: side.outFrame });
  seriesDb.saveSeries(db, {
    kind: 'joints3d',
    source: id,
    runId: side.runId,
    trackId: side.trackId,
    firstFrame: r.firstFrame,
    values: r.joints,
    width: LIFT_WIDTH,
    skeletonId: 'h36m17',
    params: { posesHash: hash, lifter: id, flip: true, madeFor: 'alignment' },
  });
  onStored(run.videoId);
  // Frames without a pose are NaN rows; the 3D features fill them in time like 2D gaps.
  return { joints: r.joints, first: r.firstFrame, count: r.frameCount };
}

/** Both sides' lifted 3D features for an alignment request naming ['lifted3d']; undefined otherwise. */
export async function liftedSequences(
  db: Db,
  request: { learner: SideRange; reference: SideRange; features?: readonly string[] },
  onStored: (videoId: number) => void = () => {},
): Promise<{ learner: FeatureSequence; reference: FeatureSequence; name: string } | undefined> {
  if (request.features?.[0] !== LIFTED_FEATURE) return undefined;
  let opened: { lifter: Lifter; id: string } | null = null;
  const lifter = async () => {
    if (!opened) {
      const entry = listLifters()[0];
      if (!entry)
        throw new KinemaError('MODEL_MISSING', 'No 3D lifter is listed in native-models/manifest.json.');
      opened = { lifter: await Lifter.open(entry.path), id: entry.id };
    }
    return opened;
  };
  try {
    const sequence = async (side: SideRange, what: string): Promise<FeatureSequence> => {
      const { joints, first, count } = await liftedJoints(db, side, what, lifter, onStored);
      const f = poseFeatures3d(joints, 17, 'h36m17', { kinds: ['bones', 'angles'] });
      return {
        ...f,
        frames: Int32Array.from({ length: count }, (_, i) => first + i),
        names: f.names.map((n) => `3d:${n}`),
      };
    };
    return {
      learner: await sequence(request.learner, 'learner'),
      reference: await sequence(request.reference, 'reference'),
      name: 'lifted 3D bones+angles',
    };
  } finally {
    await (opened as { lifter: Lifter } | null)?.lifter.release();
  }
}
