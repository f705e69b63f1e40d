import { useUi } from '../store/ui';
import { Modal } from './Modal';
import { ProjectForm } from './ProjectForm';

/** Open / New project when there are no native dialogs (web mode). */
export function ProjectDialog() {
  const mode = useUi((s) => s.projectDialog);
  const close = () => useUi.getState().openProjectDialog(null);
  if (!mode) return null;
  return (
    <Modal title={mode === 'open' ? 'Open project' : 'New project'} testId="project-dialog" onClose={close}>
      <ProjectForm mode={mode} onDone={close} />
    </Modal>
  );
}
