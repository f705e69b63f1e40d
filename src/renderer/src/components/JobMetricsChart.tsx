import './training.css';
import { buildChart, formatMetric } from '../metricsChart';

const WIDTH = 240;
const BAND_HEIGHT = 40;

/**
 * A job's training curves (metrics.ts builds them): one band per metric it reports (loss per
 * step, validation error per epoch, accuracy…) on a shared step axis, each with its own scale,
 * its latest value and its range. Nothing below two points.
 */
export function JobMetricsChart({ points }: { points: readonly Record<string, number>[] }) {
  const chart = points.length >= 2 ? buildChart(points, WIDTH, BAND_HEIGHT) : null;
  if (!chart) return null;
  return (
    <div className="job-metrics" data-testid="job-metrics" data-points={points.length}>
      {chart.bands.map((band) => (
        <div className="job-metric-band" key={band.key} data-testid="job-metric" data-metric={band.key}>
          <div className="job-metric-caption">
            <span>
              {band.label} <span className="job-metric-last">{formatMetric(band.last)}</span>
            </span>
            <span className="muted small">
              range {formatMetric(band.min)}–{formatMetric(band.max)}
            </span>
          </div>
          <svg
            width="100%"
            height={BAND_HEIGHT}
            viewBox={`0 0 ${WIDTH} ${BAND_HEIGHT}`}
            preserveAspectRatio="none"
            role="img"
            aria-label={`${band.label} over ${chart.xKey === 'step' ? 'training steps' : 'reports'}`}
          >
            {band.polyline && (
              <polyline
                points={band.polyline}
                className="job-metric-line"
                vectorEffect="non-scaling-stroke"
              />
            )}
            {band.dots.map(([x, y], i) => (
              <circle key={i} cx={x} cy={y} r={1.6} className="job-metric-dot" />
            ))}
          </svg>
        </div>
      ))}
      <div className="job-metric-axis muted small">
        <span>{chart.xKey === 'step' ? `step ${chart.xMin}` : 'first'}</span>
        <span>{chart.xKey === 'step' ? `step ${chart.xMax}` : 'latest'}</span>
      </div>
    </div>
  );
}
