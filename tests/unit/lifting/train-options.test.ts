import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLE_OPTIONS } from '../../../src/shared/lifting/dataset';
import { checkTrainOptions, DEFAULT_TRAIN_OPTIONS } from '../../../src/main/training/train-lifter';

describe('lifter training options', () => {
  const ok = DEFAULT_TRAIN_OPTIONS;
  const withSample = (sample: Partial<typeof DEFAULT_SAMPLE_OPTIONS>) => ({
    ...ok,
    sample: { ...ok.sample, ...sample },
  });

  it('accepts the defaults and a playback-speed range', () => {
    expect(() => checkTrainOptions(ok)).not.toThrow();
    expect(() => checkTrainOptions(withSample({ speedRange: [0.75, 1.33] }))).not.toThrow();
    expect(() => checkTrainOptions(withSample({ speedRange: [1, 1] }))).not.toThrow();
    expect(() => checkTrainOptions(withSample({ reverseProbability: 0.5 }))).not.toThrow();
  });

  it('refuses bad values with a message naming the option', () => {
    expect(() => checkTrainOptions({ ...ok, receptiveField: 28 })).toThrow(/receptive field/i);
    expect(() => checkTrainOptions({ ...ok, epochs: 0 })).toThrow(/epochs must be a positive integer/);
    expect(() => checkTrainOptions({ ...ok, lrDecay: 1.5 })).toThrow(/lrDecay must be in \(0, 1\]/);
    expect(() => checkTrainOptions({ ...ok, dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    for (const speedRange of [
      [0, 1],
      [1.5, 1.2],
      [1, 8],
      [Number.NaN, 1],
    ] as [number, number][])
      expect(() => checkTrainOptions(withSample({ speedRange }))).toThrow(
        /speedRange must be \[lo, hi\] with 0 < lo ≤ hi ≤ 4/,
      );
    for (const reverseProbability of [-0.1, 1.5, Number.NaN])
      expect(() => checkTrainOptions(withSample({ reverseProbability }))).toThrow(
        /reverseProbability must be in \[0, 1\]/,
      );
  });
});
