/**
 * Over the player in edit mode: says the poses shown are the corrected copy (the original run is
 * kept), which tool is on and the zoom, so nobody mistakes the copy for the detector's output.
 */
import { useEditor } from '../../store/editor';

/** A pencil: the pose list's "edit this run" button. */
export const PencilIcon = () => (
  <svg className="icon" width={13} height={13} viewBox="0 0 16 16" fill="currentColor" aria-hidden="true">
    <path d="M11.3 1.6 14.4 4.7 5.2 13.9 1.5 14.5 2.1 10.8zM10.2 4 3.4 10.8 5.2 12.6 12 5.8z" />
  </svg>
);

export function EditBadge() {
  const run = useEditor((s) => s.run);
  const tool = useEditor((s) => s.tool);
  const zoom = useEditor((s) => s.view.zoom);
  const busy = useEditor((s) => s.busy);
  if (!run) return null;
  return (
    <div
      className="edit-badge"
      data-testid="edit-badge"
      data-run-id={run.id}
      title={`Edits go to run #${run.id}, a corrected copy of run #${run.sourceRunId ?? '?'}; that run is kept as it was. Every edit is saved as it is made.`}
    >
      <span className="edit-badge-mode">Editing</span>
      <span>corrected copy of #{run.sourceRunId ?? '?'}</span>
      {tool === 'box' && <span className="edit-badge-tool">box tool · drag around a person</span>}
      {zoom > 1 && <span className="mono">{Math.round(zoom * 100)}%</span>}
      {busy && <span className="edit-badge-busy">{busy}</span>}
    </div>
  );
}
