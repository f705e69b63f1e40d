/**
 * One side of a comparison: a video, its frames (a clip or the whole video), a pose run and a
 * track. Run and track default to the video's newest run and its longest track; when a side
 * cannot be compared the picker says why and what to do.
 */
import type { PoseRun } from '../../../../shared/contract';
import { clipName, useAlign, type Role, type SideChoice, type SideTarget } from '../../store/align';
import { isPlayable, useVideos } from '../../store/videos';

const ROLE_TITLE: Record<Role, { label: string; help: string }> = {
  learner: { label: 'Learner', help: "The athlete's attempt: plays on the left at its own pace" },
  reference: {
    label: 'Reference',
    help: 'The standard performance: follows the learner through the alignment',
  },
};

/** The side as the store resolves it, re-read whenever anything it depends on changes. */
export function useSideTarget(role: Role): SideTarget {
  useAlign((s) => s[role]);
  useAlign((s) => s.runs);
  useAlign((s) => s.clips);
  useVideos((s) => s.videos);
  return useAlign.getState().side(role);
}

function runLabel(run: PoseRun): string {
  const tracks = run.tracks.length;
  return `#${run.id} ${run.model} · ${tracks} track${tracks === 1 ? '' : 's'}`;
}

export function SidePicker({ role }: { role: Role }) {
  const choice = useAlign((s) => s[role]);
  const allVideos = useVideos((s) => s.videos);
  const allClips = useAlign((s) => s.clips);
  const runs = useAlign((s) => (choice.videoId !== null ? s.runs[choice.videoId] : undefined));
  const target = useSideTarget(role);
  const videos = allVideos.filter(isPlayable);
  const clips = allClips.filter((c) => c.videoId === choice.videoId);
  const run = target.ok ? target.run : (runs?.find((r) => r.id === choice.runId) ?? runs?.[0]);
  const trackId = target.ok ? target.request.trackId : null;
  const set = (patch: Partial<SideChoice>) => useAlign.getState().setSide(role, patch);
  const { label, help } = ROLE_TITLE[role];

  return (
    <fieldset
      className={`align-side ${role}`}
      data-testid={`align-side-${role}`}
      data-ok={target.ok}
      data-reason={target.ok ? undefined : target.reason}
    >
      <legend title={help}>{label}</legend>
      <div className="align-side-grid">
        <label className="align-field">
          <span>Video</span>
          <select
            data-testid={`align-${role}-video`}
            value={choice.videoId ?? ''}
            onChange={(e) => set({ videoId: e.target.value === '' ? null : Number(e.target.value) })}
          >
            <option value="" disabled>
              Choose a video…
            </option>
            {videos.map((v) => (
              <option key={v.id} value={v.id}>
                {v.fileName}
              </option>
            ))}
          </select>
        </label>
        <label className="align-field">
          <span>Frames</span>
          <select
            data-testid={`align-${role}-clip`}
            value={choice.clipId ?? 'video'}
            disabled={choice.videoId === null}
            onChange={(e) => set({ clipId: e.target.value === 'video' ? null : Number(e.target.value) })}
          >
            <option value="video">Whole video</option>
            {clips.map((c) => (
              <option key={c.id} value={c.id}>
                {clipName(c)} ({c.inFrame}–{c.outFrame - 1})
              </option>
            ))}
          </select>
        </label>
        <label className="align-field">
          <span>Poses</span>
          <select
            data-testid={`align-${role}-run`}
            value={run?.id ?? ''}
            disabled={!runs || runs.length === 0}
            title="Pose run (newest first)"
            onChange={(e) => set({ runId: Number(e.target.value) })}
          >
            {(!runs || runs.length === 0) && <option value="">{runs ? 'No poses' : '…'}</option>}
            {runs?.map((r) => (
              <option key={r.id} value={r.id}>
                {runLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <label className="align-field">
          <span>Track</span>
          <select
            data-testid={`align-${role}-track`}
            value={trackId ?? ''}
            disabled={!run || run.tracks.length === 0}
            title="The person to compare (default: the longest track)"
            onChange={(e) => set({ trackId: Number(e.target.value) })}
          >
            {(!run || run.tracks.length === 0) && <option value="">—</option>}
            {run?.tracks.map((t) => (
              <option key={t.trackId} value={t.trackId}>
                #{t.trackId} · {t.frameCount} f ({t.firstFrame}–{t.lastFrame})
              </option>
            ))}
          </select>
        </label>
      </div>
      {!target.ok && (
        <p
          className={`align-side-message small${target.reason === 'no-video' || target.reason === 'loading' ? ' muted' : ' notice'}`}
          data-testid={`align-${role}-message`}
        >
          {target.message}
        </p>
      )}
    </fieldset>
  );
}
