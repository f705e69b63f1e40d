import { ignore } from '../api';
import { startImport } from '../importFlow';
import { useActions } from '../store/actions';
import { useAlign } from '../store/align';
import { useProject } from '../store/project';
import { useUi } from '../store/ui';
import { useTrainLifterDialog } from './TrainLifterDialog';

export function TopBar() {
  const project = useProject((s) => s.project);
  const native = useProject((s) => s.info?.nativeDialogs ?? false);
  const helpOpen = useUi((s) => s.helpOpen);
  const aligning = useAlign((s) => s.open);
  const actionsOpen = useActions((s) => s.open);

  const chooseProject = (mode: 'open' | 'create') => {
    if (native) useProject.getState().pickAndOpen(mode).catch(ignore);
    else useUi.getState().openProjectDialog(mode);
  };

  return (
    <header className="topbar" data-testid="topbar">
      <div className="brand">Kinema</div>
      <div className="project-title" title={project?.path}>
        <span className="project-name" data-testid="project-name">
          {project?.name}
        </span>
        <span className="project-path muted" data-testid="project-path">
          {project?.path}
        </span>
      </div>
      <div className="topbar-actions">
        <button
          type="button"
          className={`toggle-button${aligning ? ' on' : ''}`}
          data-testid="align-view-button"
          aria-pressed={aligning}
          title={
            aligning
              ? 'Back to the player'
              : "Align: compare a learner's clip with a reference, side by side, with coaching findings"
          }
          onClick={() => (aligning ? useAlign.getState().close() : useAlign.getState().openView())}
        >
          Align
        </button>
        {project && (
          <button
            type="button"
            className={`toggle-button${actionsOpen ? ' on' : ''}`}
            data-testid="actions-button"
            aria-pressed={actionsOpen}
            title="Actions: recognise clips from a few labelled examples, find similar moments, detect an action"
            onClick={() => useActions.getState().setOpen(!actionsOpen)}
          >
            Actions
          </button>
        )}
        {project && (
          <button
            type="button"
            data-testid="train-lifter-button"
            title="Train or fine-tune a 3D lifter on your own mocap (BVH, C3D, TRC)"
            onClick={() => useTrainLifterDialog.getState().setOpen(true)}
          >
            Train lifter…
          </button>
        )}
        <button type="button" data-testid="topbar-open-project" onClick={() => chooseProject('open')}>
          Open…
        </button>
        <button type="button" data-testid="topbar-new-project" onClick={() => chooseProject('create')}>
          New…
        </button>
        <button type="button" className="primary" data-testid="import-button" onClick={() => startImport()}>
          Import videos
        </button>
        <button
          type="button"
          className="icon-button help-button"
          data-testid="help-button"
          aria-label="Keyboard shortcuts"
          aria-pressed={helpOpen}
          title="Keyboard shortcuts (?)"
          onClick={() => useUi.getState().setHelp(!helpOpen)}
        >
          ?
        </button>
      </div>
    </header>
  );
}
