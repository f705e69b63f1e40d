import { describe, expect, it } from 'vitest';
import { buildChart, formatMetric } from '../../../src/renderer/src/metricsChart';

describe('training curves of the Jobs panel', () => {
  // A train-lifter job: loss every 5 steps, validation MPJPE after each 20-step epoch.
  const points: Record<string, number>[] = [];
  for (let step = 5; step <= 60; step += 5) {
    points.push({ step, loss: 800 - 10 * step });
    if (step % 20 === 0) points.push({ step, epoch: step / 20, valMpjpe: 400 - 2 * step });
  }

  it('draws one band per metric on the shared step axis, each on its own scale', () => {
    const chart = buildChart(points, 240, 40)!;
    expect(chart.xKey).toBe('step');
    expect([chart.xMin, chart.xMax]).toEqual([5, 60]);
    expect(chart.bands.map((b) => [b.key, b.label, b.count])).toEqual([
      ['loss', 'loss', 12],
      ['valMpjpe', 'validation MPJPE', 3],
    ]);
    const [loss, val] = chart.bands;
    expect([loss.last, loss.min, loss.max]).toEqual([200, 200, 750]);
    // Falling loss: from the top-left corner (inside the 3 px margin) to the bottom-right.
    const xy = loss.polyline.split(' ').map((p) => p.split(',').map(Number));
    expect(xy[0]).toEqual([0, 3]);
    expect(xy.at(-1)).toEqual([240, 37]);
    // Validation points sit at their epochs' steps (20, 40, 60 of 5…60) and are dotted.
    expect(val.dots.map(([x]) => x)).toEqual(
      [((20 - 5) / 55) * 240, ((40 - 5) / 55) * 240, 240].map((v) => Number(v.toFixed(1))),
    );
  });

  it('ignores non-finite values, uses the order without steps and thins long series', () => {
    const chart = buildChart([{ loss: 1 }, { loss: NaN }, { loss: 3 }, { accuracy: 0.5 }], 100, 20)!;
    expect(chart.xKey).toBe('index');
    expect(chart.bands.map((b) => [b.key, b.count])).toEqual([
      ['loss', 2],
      ['accuracy', 1],
    ]);
    expect(chart.bands[1].polyline).toBe('');
    const long = Array.from({ length: 10_000 }, (_, step) => ({ step, loss: Math.exp(-step / 1000) }));
    const band = buildChart(long, 240, 40, 300)!.bands[0];
    expect(band.polyline.split(' ').length).toBeLessThanOrEqual(301);
    expect(band.polyline.endsWith('240,37')).toBe(true);
    expect(band.dots).toEqual([]);
    expect(buildChart([], 100, 20)).toBeNull();
    expect(buildChart([{ step: 1 }], 100, 20)).toBeNull();
  });

  it('formats values for the captions', () => {
    expect([formatMetric(472.94), formatMetric(41.26), formatMetric(0.4123), formatMetric(NaN)]).toEqual([
      '473',
      '41.3',
      '0.412',
      '–',
    ]);
  });
});
