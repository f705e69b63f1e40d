import { describe, expect, it } from 'vitest';
import { checkTrainingOptions, cosineLearningRate } from '../../../src/main/training/cosine-schedule';
import {
  checkStudentTrainOptions,
  DEFAULT_STUDENT_TRAIN_OPTIONS,
} from '../../../src/main/training/student/train';
import { checkTccTrainOptions, DEFAULT_TCC_TRAIN_OPTIONS } from '../../../src/main/training/tcc/train';

describe('cosine learning-rate schedule (TCC/VIPE*, student)', () => {
  const o = { steps: 101, learningRate: 1e-3, finalLrFraction: 0.1 };

  it('starts at the learning rate, halves the way at mid-run and ends at the final fraction', () => {
    expect(cosineLearningRate(o, 0)).toBeCloseTo(1e-3, 12);
    expect(cosineLearningRate(o, 50)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5), 12);
    expect(cosineLearningRate(o, 100)).toBeCloseTo(1e-4, 12);
    // Past the end (a resumed run asked for one more report) it stays at the floor.
    expect(cosineLearningRate(o, 150)).toBeCloseTo(1e-4, 12);
    for (let s = 1; s <= 100; s++)
      expect(cosineLearningRate(o, s)).toBeLessThan(cosineLearningRate(o, s - 1));
  });

  it('a one-step run trains at the full rate', () => {
    expect(cosineLearningRate({ ...o, steps: 1 }, 0)).toBe(1e-3);
  });

  it('refuses bad options with a message naming the option', () => {
    expect(() => checkTrainingOptions('X training', [['steps', 2.5, 1]], o)).toThrow(
      /X training option steps must be an integer ≥ 1, got 2.5/,
    );
    expect(() => checkTrainingOptions('X', [['batchSize', 1, 2]], o)).toThrow(/batchSize .*≥ 2, got 1/);
    expect(() => checkTrainingOptions('X', [], { ...o, learningRate: 0 })).toThrow(
      /learningRate must be positive/,
    );
    expect(() => checkTrainingOptions('X', [], { ...o, finalLrFraction: 1.5 })).toThrow(
      /finalLrFraction must be in \(0, 1\]/,
    );
    expect(() => checkTrainingOptions('X', [['steps', 10, 1]], o)).not.toThrow();
  });

  it('the TCC and student trainings check their options through it', () => {
    expect(() => checkTccTrainOptions(DEFAULT_TCC_TRAIN_OPTIONS)).not.toThrow();
    expect(() => checkTccTrainOptions({ ...DEFAULT_TCC_TRAIN_OPTIONS, framesPerSequence: 1 })).toThrow(
      /TCC training option framesPerSequence must be an integer ≥ 2/,
    );
    expect(() => checkStudentTrainOptions(DEFAULT_STUDENT_TRAIN_OPTIONS)).not.toThrow();
    expect(() =>
      checkStudentTrainOptions({ ...DEFAULT_STUDENT_TRAIN_OPTIONS, learningRate: Number.NaN }),
    ).toThrow(/learningRate must be positive/);
  });
});
