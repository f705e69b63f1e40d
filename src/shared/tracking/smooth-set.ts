/**
 * Smoothing a whole PoseSet with one of the track filters (`poses.smooth`): checks the parameters,
 * fills in the defaults and returns new tracks; the input set is not modified.
 *
 * Defaults:
 *  - One-Euro: min cutoff 1 Hz, beta 0.05, derivative cutoff 1 Hz. Beta multiplies a speed, so
 *    its meaning depends on the unit of the coordinates: Kinema's beta is defined for a frame
 *    1000 px high and scaled to the video, beta_px = beta × 1000 / video height (0.069 at 720p,
 *    0.046 at 1080p), so the same motion is smoothed the same way at any resolution. With 0.05 a
 *    joint moving at 200 px/s on 1000 px gets a cutoff of 11 Hz; one at rest stays near 1 Hz.
 *  - Butterworth (2nd order, zero-phase): cutoff 6 Hz, which must be below half the frame rate.
 *  - median: window 5 frames (odd, 3 or more).
 */
import { KinemaError } from '../errors';
import type { PoseSet, PoseTrack } from '../pose';
import { butterworthTrack, medianTrack, oneEuroTrack } from './filters';

export type SmoothFilter = 'one-euro' | 'butterworth' | 'median';

export interface SmoothRequest {
  filter: SmoothFilter;
  cutoffHz?: number;
  beta?: number;
  window?: number;
}

/** The parameters actually used (null where the filter has none), as stored with the run. */
export interface SmoothParams {
  filter: SmoothFilter;
  cutoffHz: number | null;
  beta: number | null;
  window: number | null;
}

export const SMOOTH_DEFAULTS = {
  oneEuroMinCutoffHz: 1,
  oneEuroBeta: 0.05,
  /** The frame height (px) the One-Euro beta is defined for. */
  oneEuroBetaReferencePx: 1000,
  butterworthCutoffHz: 6,
  medianWindow: 5,
} as const;

/** Fills in the defaults and checks the parameters against the video's frame rate. */
export function smoothParams(request: SmoothRequest, fps: number): SmoothParams {
  if (!(fps > 0))
    throw new KinemaError('BAD_PARAMS', 'The video has no frame rate, so its poses cannot be smoothed.');
  switch (request.filter) {
    case 'one-euro': {
      const cutoffHz = request.cutoffHz ?? SMOOTH_DEFAULTS.oneEuroMinCutoffHz;
      const beta = request.beta ?? SMOOTH_DEFAULTS.oneEuroBeta;
      if (!(cutoffHz > 0))
        throw new KinemaError('BAD_PARAMS', `The One-Euro min cutoff must be above 0 Hz, got ${cutoffHz}.`);
      if (!(beta >= 0))
        throw new KinemaError('BAD_PARAMS', `The One-Euro beta must be 0 or more, got ${beta}.`);
      return { filter: 'one-euro', cutoffHz, beta, window: null };
    }
    case 'butterworth': {
      const cutoffHz = request.cutoffHz ?? SMOOTH_DEFAULTS.butterworthCutoffHz;
      if (!(cutoffHz > 0) || cutoffHz >= fps / 2)
        throw new KinemaError(
          'BAD_PARAMS',
          `The Butterworth cutoff must be below half the frame rate (${fmt(fps / 2)} Hz for this ${fmt(fps)} fps video), got ${fmt(cutoffHz)} Hz.`,
        );
      return { filter: 'butterworth', cutoffHz, beta: null, window: null };
    }
    case 'median': {
      const window = request.window ?? SMOOTH_DEFAULTS.medianWindow;
      if (!Number.isInteger(window) || window < 3 || window % 2 === 0)
        throw new KinemaError(
          'BAD_PARAMS',
          `The median window must be an odd number of frames ≥ 3, got ${window}.`,
        );
      return { filter: 'median', cutoffHz: null, beta: null, window };
    }
    default:
      throw new KinemaError('BAD_PARAMS', `Unknown filter "${String((request as SmoothRequest).filter)}".`);
  }
}

function fmt(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** One track smoothed with checked parameters (see `smoothParams`). */
export function smoothTrack(track: PoseTrack, params: SmoothParams, fps: number, height: number): PoseTrack {
  switch (params.filter) {
    case 'one-euro': {
      const scale = height > 0 ? SMOOTH_DEFAULTS.oneEuroBetaReferencePx / height : 1;
      return oneEuroTrack(track, { fps, minCutoff: params.cutoffHz ?? 1, beta: (params.beta ?? 0) * scale });
    }
    case 'butterworth':
      return butterworthTrack(track, { fps, cutoff: params.cutoffHz ?? SMOOTH_DEFAULTS.butterworthCutoffHz });
    case 'median':
      return medianTrack(track, { window: params.window ?? SMOOTH_DEFAULTS.medianWindow });
  }
}

/** A new PoseSet with every track smoothed; `set` is left as it was. */
export function smoothPoseSet(set: PoseSet, request: SmoothRequest): { set: PoseSet; params: SmoothParams } {
  const params = smoothParams(request, set.video.fps);
  return {
    params,
    set: {
      video: { ...set.video },
      tracks: set.tracks.map((t) => smoothTrack(t, params, set.video.fps, set.video.height)),
      provenance: { model: params.filter, params: { ...params }, source: 'filter' },
    },
  };
}
