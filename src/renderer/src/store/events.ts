/** Routes pushed events into the stores. Returns one function that unsubscribes them all. */
import { ignore, on } from '../api';
import { useClips } from './clips';
import { useJobs } from './jobs';
import { forgetDecodedRuns, usePoses } from './poses';
import { useProject } from './project';
import { useVideos } from './videos';
import { throttled } from './util';

export function subscribeToEvents(): () => void {
  // Import jobs report progress many times a second; the video list only needs a few refreshes.
  const refreshVideosSoon = throttled(() => useVideos.getState().refresh().catch(ignore), 300);
  const offs = [
    on('project.changed', (project) => useProject.getState().setProject(project)),
    on('videos.changed', () => {
      if (useProject.getState().project) useVideos.getState().refresh().catch(ignore);
    }),
    on('clips.changed', ({ videoId }) => {
      if (useClips.getState().videoId === videoId) useClips.getState().refresh().catch(ignore);
    }),
    on('poses.changed', ({ videoId }) => {
      forgetDecodedRuns();
      if (usePoses.getState().videoId === videoId) usePoses.getState().refresh().catch(ignore);
    }),
    on('job.metrics', ({ jobId, point }) => useJobs.getState().addMetric(jobId, point)),
    on('job.updated', (job) => {
      const previous = useJobs.getState().jobs.find((j) => j.id === job.id);
      useJobs.getState().upsert(job);
      if (job.kind === 'detect') {
        // A finished detection has written its run (poses.changed says so too; this covers a
        // back end that only reports the job).
        const finished = job.state === 'done' || job.state === 'failed' || job.state === 'cancelled';
        if (finished && previous?.state !== job.state) usePoses.getState().refresh().catch(ignore);
        return;
      }
      if (job.kind !== 'import' || !useProject.getState().project) return;
      // A state or phase change is when the video row changes (probed, proxy ready, failed).
      if (!previous || previous.state !== job.state || previous.phase !== job.phase) {
        useVideos.getState().refresh().catch(ignore);
      } else {
        refreshVideosSoon();
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}
