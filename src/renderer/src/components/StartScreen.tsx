import { useProject } from '../store/project';
import { ProjectForm } from './ProjectForm';

export function StartScreen() {
  const info = useProject((s) => s.info);
  return (
    <div className="start-screen" data-testid="start-screen">
      <div className="start-card">
        <h1>
          Kinema <span className="muted small">{info?.version}</span>
        </h1>
        <p className="muted">
          Open a project or create a new one. A project is a single <code>.kinema</code> file that keeps your
          videos, clips and exports together.
        </p>
        <ProjectForm mode="both" />
      </div>
    </div>
  );
}
