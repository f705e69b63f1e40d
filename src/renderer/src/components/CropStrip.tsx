/**
 * The crop inspector strip under the timeline (issue 8): for the selected track of the pose run
 * shown, the athlete's crop at the playhead, the previous frame at the same box, the optical flow
 * between them (hue = direction, saturation = speed) and the person mask, plus the crops of the
 * frames either side. Follows the playhead (debounced); a toggle shows or hides it. Frames where
 * the track has no pose, and videos without tracks, say so and what to do.
 */
import { useEffect } from 'react';
import { useCropStrip, stripTrack, STRIP_IMAGE_KINDS, type StripFrame } from '../store/cropStrip';
import { usePlayer } from '../store/player';
import { usePoses } from '../store/poses';
import { useUi } from '../store/ui';
import { useSelectedVideo } from '../store/videos';
import './crop-strip.css';

const KIND_LABEL = { crop: 'Crop', prev: 'Previous', flow: 'Flow', mask: 'Mask' } as const;
const KIND_TITLE = {
  crop: 'The square crop around the athlete at this frame',
  prev: 'The previous frame cut at the same box (what the flow compares with)',
  flow: 'Optical flow previous → crop (Farnebäck): hue = direction, saturation = speed, white = still',
  mask: "The athlete's mask (the pose skeleton drawn with body-like thickness)",
} as const;

function frameNote(f: StripFrame): string | null {
  switch (f.status) {
    case 'gap':
      return `No pose at frame ${f.frame} (gap)`;
    case 'bridged':
      return `No pose at frame ${f.frame} (gap): the crop box is bridged from the frames around it`;
    case 'outside':
      return `No pose at frame ${f.frame}: the track is not in this part of the video`;
    default:
      return null;
  }
}

export function CropStrip() {
  const video = useSelectedVideo();
  const open = useCropStrip((s) => s.open);
  const runs = usePoses((s) => s.runs);
  const posesLoaded = usePoses((s) => s.loaded);
  const selectedRunId = usePoses((s) => s.selectedRunId);
  const trackChoice = useCropStrip((s) => s.trackChoice);
  const frame = usePlayer((s) => s.frame);
  const data = useCropStrip((s) => s.data);
  const loading = useCropStrip((s) => s.loading);
  const error = useCropStrip((s) => s.error);

  const run = runs.find((r) => r.id === selectedRunId) ?? null;
  const trackId = run ? stripTrack(run, trackChoice) : null;

  useEffect(() => {
    if (!open || !run || trackId === null) return;
    useCropStrip.getState().request(run, trackId, frame);
  }, [open, run, trackId, frame]);

  useEffect(() => () => useCropStrip.getState().clear(), []);

  if (!video) return null;
  const current = data?.frames.find((f) => f.frame === data.frame) ?? null;
  const note = current ? frameNote(current) : null;
  const state = !open
    ? 'closed'
    : !run
      ? // Not before the video's runs are in: until then there may be tracks still coming.
        posesLoaded
        ? 'no-tracks'
        : 'loading'
      : error
        ? 'error'
        : data && data.runId === run.id && data.trackId === trackId
          ? 'ready'
          : 'loading';

  return (
    <section
      className={`crop-strip${open ? ' open' : ''}`}
      data-testid="crop-strip"
      data-state={state}
      data-frame={data?.frame ?? ''}
      data-track-id={trackId ?? ''}
      data-loading={loading ? 'true' : 'false'}
    >
      <header className="crop-strip-header">
        <button
          type="button"
          className="crop-strip-toggle"
          data-testid="crop-strip-toggle"
          aria-expanded={open}
          title="Show or hide the athlete's crop, previous crop, optical flow and mask at the playhead"
          onClick={() => useCropStrip.getState().setOpen(!open)}
        >
          {open ? '▾' : '▸'} Crops
        </button>
        {open && run && (
          <label className="crop-strip-param">
            Track
            <select
              data-testid="crop-strip-track"
              value={trackId ?? ''}
              onChange={(e) => useCropStrip.getState().setTrack(run.id, Number(e.target.value))}
            >
              {run.tracks.map((t) => (
                <option key={t.trackId} value={t.trackId}>
                  {t.trackId} ({t.frameCount} frames)
                </option>
              ))}
            </select>
          </label>
        )}
        {open && current?.padded && (
          <span className="crop-strip-edge" data-testid="crop-strip-padded">
            Box past the frame edge: padded
          </span>
        )}
        {open && current?.flowMedian && (
          <span className="muted crop-strip-info">
            median flow {current.flowMedian[0].toFixed(1)}, {current.flowMedian[1].toFixed(1)} px · full
            colour at {data!.flowScalePx.toFixed(0)} px/frame
          </span>
        )}
        {open && loading && <span className="muted crop-strip-info">Loading…</span>}
      </header>
      {open && (
        <div className="crop-strip-body">
          {!run ? (
            <p className="crop-strip-message" data-testid="crop-strip-message">
              {posesLoaded
                ? 'This video has no pose tracks, so there are no crops to show.'
                : 'Loading poses…'}
              {posesLoaded && (
                <>
                  {' '}
                  <button type="button" onClick={() => useUi.getState().openDetect({ videoId: video.id })}>
                    Detect poses…
                  </button>{' '}
                  to track the athlete first.
                </>
              )}
            </p>
          ) : error ? (
            <p className="crop-strip-message inline-error" data-testid="crop-strip-message">
              {error}
            </p>
          ) : current ? (
            <>
              <div className="crop-strip-main" data-testid="crop-strip-current" data-status={current.status}>
                {current.urls ? (
                  STRIP_IMAGE_KINDS.map((kind) => (
                    <figure key={kind} className="crop-strip-figure" title={KIND_TITLE[kind]}>
                      <img
                        src={current.urls![kind]}
                        alt={`${KIND_LABEL[kind]} at frame ${current.frame}`}
                        data-testid="crop-strip-image"
                        data-kind={kind}
                        data-frame={current.frame}
                        width={128}
                        height={128}
                      />
                      <figcaption>{KIND_LABEL[kind]}</figcaption>
                    </figure>
                  ))
                ) : (
                  <p className="crop-strip-message" data-testid="crop-strip-message">
                    {note}
                  </p>
                )}
                {current.urls && note && (
                  <p className="crop-strip-message" data-testid="crop-strip-message">
                    {note}
                  </p>
                )}
              </div>
              <div className="crop-strip-neighbours" aria-label="Crops of the frames around the playhead">
                {data!.frames.map((f) => (
                  <button
                    key={f.frame}
                    type="button"
                    className={`crop-strip-thumb${f.frame === data!.frame ? ' current' : ''}`}
                    data-testid="crop-strip-thumb"
                    data-frame={f.frame}
                    data-status={f.status}
                    title={frameNote(f) ?? `Frame ${f.frame}`}
                    onClick={() => usePlayer.getState().seek(f.frame)}
                  >
                    {f.urls ? (
                      <img src={f.urls.crop} alt={`Crop at frame ${f.frame}`} />
                    ) : (
                      <span>no pose</span>
                    )}
                    <span className="crop-strip-thumb-frame">{f.frame}</span>
                  </button>
                ))}
              </div>
            </>
          ) : (
            <p className="crop-strip-message muted">Loading crops…</p>
          )}
        </div>
      )}
    </section>
  );
}
