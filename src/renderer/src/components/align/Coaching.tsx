/**
 * What the comparison says: the aligned spans and durations, the findings in plain words (each a
 * button that takes both panes to its frames), and the phase table (where in the motion each
 * angle differs most).
 */
import { angleLabel } from '../../player/anglePlot';
import { referenceFrameOf, useAlign, type AlignData } from '../../store/align';

const KIND_LABEL = { angle: 'Angle', timing: 'Timing', duration: 'Duration' } as const;

function seek(frame: number): void {
  useAlign.getState().pause();
  useAlign.getState().seek(frame);
}

function secs(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)} s` : '—';
}

function Summary({ data }: { data: AlignData }) {
  const duration = data.coaching?.duration;
  const change =
    duration && duration.reference > 0
      ? (100 * (duration.learner - duration.reference)) / duration.reference
      : null;
  return (
    <dl className="align-summary" data-testid="align-summary">
      <dt>Learner</dt>
      <dd>
        <span className="mono">
          {data.learnerStart}–{data.learnerEnd}
        </span>
        {duration && <span data-testid="align-duration-learner"> · {secs(duration.learner)}</span>}
        {data.mode === 'subsequence' && (
          <span className="muted"> · where the reference motion was found</span>
        )}
      </dd>
      <dt>Reference</dt>
      <dd>
        <span className="mono">
          {data.referenceStart}–{data.referenceEnd}
        </span>
        {duration && <span data-testid="align-duration-reference"> · {secs(duration.reference)}</span>}
      </dd>
      {change !== null && Number.isFinite(change) && (
        <>
          <dt>Tempo</dt>
          <dd>
            {Math.abs(change) < 1
              ? 'same duration'
              : `learner ${Math.abs(change).toFixed(0)} % ${change > 0 ? 'slower' : 'faster'}`}
          </dd>
        </>
      )}
      <dt title="Mean distance of the aligned frames' features (lower = more alike)">Match</dt>
      <dd>
        <span className="mono">cost {data.normalizedCost.toFixed(3)}</span>
        {data.featureTau !== null && (
          <span
            className="mono"
            title="Nearest-neighbour Kendall's tau of the features (TCC's alignment score)"
          >
            {' '}
            · τ {data.featureTau.toFixed(2)}
          </span>
        )}
        <span className="muted"> · {data.features.join(' + ')}</span>
      </dd>
    </dl>
  );
}

function Findings({ data }: { data: AlignData }) {
  const frame = useAlign((s) => s.frame);
  const findings = data.coaching?.findings ?? [];
  if (!data.coaching) return null;
  if (findings.length === 0)
    return (
      <p className="muted small" data-testid="align-no-findings">
        No difference large enough to report: the learner moves like the reference.
      </p>
    );
  return (
    <ol className="align-findings" data-testid="align-findings">
      {findings.map((f, i) => {
        const current = frame === f.learnerFrame;
        return (
          <li key={i}>
            <button
              type="button"
              className={`align-finding ${f.kind}${current ? ' current' : ''}`}
              data-testid="align-finding"
              data-kind={f.kind}
              data-learner-frame={f.learnerFrame}
              data-reference-frame={f.referenceFrame}
              aria-current={current || undefined}
              title={`Go to learner frame ${f.learnerFrame} (reference ${referenceFrameOf(data, f.learnerFrame)})`}
              onClick={() => seek(f.learnerFrame)}
            >
              <span className={`align-finding-kind ${f.kind}`}>{KIND_LABEL[f.kind]}</span>
              <span className="align-finding-text">{f.text}</span>
              <span className="align-finding-frames mono muted">
                L {f.learnerFrame} · R {f.referenceFrame}
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

function Phases({ data }: { data: AlignData }) {
  const frame = useAlign((s) => s.frame);
  const phases = data.coaching?.phases ?? [];
  if (phases.length === 0) return null;
  return (
    <table className="kin-table align-phases" data-testid="align-phases">
      <thead>
        <tr>
          <th>Phase</th>
          <th className="num" title="Reference frames">
            Ref.
          </th>
          <th className="num" title="Learner frames">
            Learner
          </th>
          <th title="The angle that differs most in the phase (mean, learner − reference)">
            Largest difference
          </th>
        </tr>
      </thead>
      <tbody>
        {phases.map((p) => {
          const current = frame >= p.learner.start && frame <= p.learner.end;
          return (
            <tr key={p.index} className={current ? 'plotted' : undefined} data-testid="align-phase">
              <td>
                <button
                  type="button"
                  className="link-button"
                  title={`Go to the start of phase ${p.index + 1} (learner frame ${p.learner.start})`}
                  onClick={() => seek(p.learner.start)}
                >
                  {p.index + 1}{' '}
                  <span className="muted">{`${p.fromPct.toFixed(0)}–${p.toPct.toFixed(0)} %`}</span>
                </button>
              </td>
              <td className="num">
                {p.reference.start}–{p.reference.end}
              </td>
              <td className="num">
                {p.learner.start}–{p.learner.end}
              </td>
              <td>
                {p.worst ? (
                  <>
                    {angleLabel(p.worst.name)}{' '}
                    <span className="mono">
                      {p.worst.meanDiff > 0 ? '+' : ''}
                      {p.worst.meanDiff.toFixed(1)}°
                    </span>
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function CoachingPanel({ data }: { data: AlignData }) {
  return (
    <aside className="align-coaching" data-testid="align-coaching">
      <h3 className="align-section-title">Comparison</h3>
      <Summary data={data} />
      {data.coachingError && (
        <div className="notice small" data-testid="align-coaching-error">
          {data.coachingError}
        </div>
      )}
      {data.coaching && (
        <>
          <h3 className="align-section-title">
            Findings <span className="muted">{data.coaching.findings.length}</span>
          </h3>
          <Findings data={data} />
          <h3 className="align-section-title">Phases</h3>
          <Phases data={data} />
        </>
      )}
    </aside>
  );
}
