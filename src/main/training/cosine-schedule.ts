/**
 * What the step-based trainings (TCC/VIPE*, the VPD student) share: a cosine learning-rate
 * schedule over the run and the checks of their integer and schedule options, with messages that
 * name the option.
 */
import { KinemaError } from '../../shared/errors';

export interface CosineSchedule {
  steps: number;
  learningRate: number;
  /** Learning rate at the last step, as a share of `learningRate` (0-1]. */
  finalLrFraction: number;
}

/** Learning rate at a step: cosine from lr to lr · finalLrFraction over the run. */
export function cosineLearningRate(o: CosineSchedule, step: number): number {
  const frac = o.steps > 1 ? Math.min(1, step / (o.steps - 1)) : 0;
  const f = o.finalLrFraction + (1 - o.finalLrFraction) * 0.5 * (1 + Math.cos(Math.PI * frac));
  return o.learningRate * f;
}

/**
 * Throws BAD_OPTIONS unless every [name, value, minimum] is an integer ≥ its minimum and the
 * schedule's rates are valid. `what` opens the message ("TCC training").
 */
export function checkTrainingOptions(
  what: string,
  ints: readonly (readonly [string, number, number])[],
  schedule: CosineSchedule,
): void {
  for (const [k, v, min] of ints) {
    if (!Number.isInteger(v) || v < min)
      throw new KinemaError('BAD_OPTIONS', `${what} option ${k} must be an integer ≥ ${min}, got ${v}`);
  }
  if (!(schedule.learningRate > 0 && Number.isFinite(schedule.learningRate)))
    throw new KinemaError('BAD_OPTIONS', `learningRate must be positive, got ${schedule.learningRate}`);
  if (!(schedule.finalLrFraction > 0 && schedule.finalLrFraction <= 1))
    throw new KinemaError(
      'BAD_OPTIONS',
      `finalLrFraction must be in (0, 1], got ${schedule.finalLrFraction}`,
    );
}
