import { useEffect, useSyncExternalStore } from 'react';
import type { Job, Video } from '../../../shared/contract';
import { formatDuration } from '../../../shared/timecode';
import { ignore } from '../api';
import { startImport } from '../importFlow';
import { formatBytes } from '../paths';
import { getPoster, posterKey, requestPoster, subscribePosters } from '../player/posters';
import { useJobs } from '../store/jobs';
import { isPlayable, useVideos } from '../store/videos';
import { useUi } from '../store/ui';
import { ClipList } from './ClipList';
import { CloseIcon, FilmIcon } from './icons';
import { PoseList } from './PoseList';

/**
 * The import job of a video. The contract does not type job params, so this matches the usual
 * shapes (videoId or path in params, videoId in the result) and falls back to the file name in the title.
 */
function findImportJob(jobs: Job[], video: Video): Job | undefined {
  const imports = jobs.filter((j) => j.kind === 'import');
  const byParams = imports.find((j) => {
    const p = j.params as Record<string, unknown> | null;
    const r = j.result as Record<string, unknown> | null;
    if (r && typeof r === 'object' && r.videoId === video.id) return true;
    if (!p || typeof p !== 'object') return false;
    return (
      p.videoId === video.id ||
      p.path === video.path ||
      (Array.isArray(p.paths) && p.paths.includes(video.path))
    );
  });
  return byParams ?? imports.find((j) => j.title.includes(video.fileName));
}

function Poster({ video }: { video: Video }) {
  const key = posterKey(video.id);
  const url = useSyncExternalStore(subscribePosters, () => getPoster(key));
  const playable = isPlayable(video);
  useEffect(() => {
    if (playable) requestPoster(video.id, Math.min(video.frameCount - 1, Math.round(video.fps)));
  }, [playable, video.id, video.frameCount, video.fps]);
  return (
    <div className="poster">
      {url ? (
        <img src={url} alt="" draggable={false} />
      ) : (
        <span className="poster-placeholder">
          <FilmIcon />
        </span>
      )}
    </div>
  );
}

function StatusHint({ video, job }: { video: Video; job: Job | undefined }) {
  switch (video.status) {
    case 'importing': {
      const pct = job && job.total > 0 ? Math.round((100 * job.done) / job.total) : null;
      return (
        <div className="status-hint importing" data-testid="video-import-progress">
          <span className="spinner" aria-hidden="true" />
          Importing{job?.phase ? ` · ${job.phase}` : ''}
          {pct !== null ? ` ${pct}%` : '…'}
          {pct !== null && (
            <div className="mini-progress">
              <div style={{ width: `${pct}%` }} />
            </div>
          )}
        </div>
      );
    }
    case 'failed':
      return (
        <div className="status-hint failed" title={job?.error ?? undefined}>
          Import failed{job?.error ? `: ${job.error}` : ''}
        </div>
      );
    case 'missing':
      return <div className="status-hint failed">Source file is missing</div>;
    default:
      return video.hasProxy ? null : <div className="status-hint muted">Preparing seek proxy…</div>;
  }
}

function VideoItem({ video, selected }: { video: Video; selected: boolean }) {
  const job = useJobs((s) => (video.status === 'ready' ? undefined : findImportJob(s.jobs, video)));

  const remove = async () => {
    const ok = await useUi.getState().askConfirm({
      title: 'Remove video',
      message: `Remove “${video.fileName}” and its clips from the project? The video file itself is not deleted.`,
      confirmLabel: 'Remove',
    });
    if (ok) await useVideos.getState().remove(video.id);
  };

  return (
    <div
      className={`video-item${selected ? ' selected' : ''}`}
      data-testid="video-item"
      data-video-id={video.id}
      data-status={video.status}
      data-selected={selected}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      title={video.path}
      onClick={() => useVideos.getState().select(video.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') useVideos.getState().select(video.id);
      }}
    >
      <Poster video={video} />
      <div className="video-info">
        <div className="video-name">{video.fileName}</div>
        <div className="video-meta muted">
          {video.frameCount > 0 ? (
            <>
              <span data-testid="video-duration">{formatDuration(video.durationS)}</span>
              <span>{video.fps > 0 ? `${+video.fps.toFixed(2)} fps` : ''}</span>
              <span>
                {video.width}×{video.height}
              </span>
            </>
          ) : (
            <span>{formatBytes(video.sizeBytes)}</span>
          )}
        </div>
        <StatusHint video={video} job={job} />
      </div>
      <button
        type="button"
        className="icon-button remove-button"
        data-testid="video-remove-button"
        aria-label={`Remove ${video.fileName}`}
        title="Remove from project"
        onClick={(e) => {
          e.stopPropagation();
          remove().catch(ignore);
        }}
      >
        <CloseIcon />
      </button>
    </div>
  );
}

export function VideoList() {
  const videos = useVideos((s) => s.videos);
  const selectedId = useVideos((s) => s.selectedId);
  const loaded = useVideos((s) => s.loaded);

  return (
    <section className="panel video-panel" data-testid="video-list">
      <div className="panel-header">
        <span>Videos</span>
        <span className="muted small">{videos.length}</span>
      </div>
      <div className="panel-scroll">
        {loaded && videos.length === 0 && (
          <div className="empty">
            <p className="muted">No videos yet.</p>
            <button type="button" className="primary" onClick={() => startImport()}>
              Import videos
            </button>
            <p className="muted small">or drop video files on the window (desktop app).</p>
          </div>
        )}
        {videos.map((video) => (
          <div key={video.id} className="video-group">
            <VideoItem video={video} selected={video.id === selectedId} />
            {video.id === selectedId && <ClipList video={video} />}
            {video.id === selectedId && <PoseList video={video} />}
          </div>
        ))}
      </div>
    </section>
  );
}
