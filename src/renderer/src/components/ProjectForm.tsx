import { useState } from 'react';
import { errorMessage, ignore } from '../api';
import { dirname, joinPath } from '../paths';
import { useProject } from '../store/project';

interface ProjectFormProps {
  /** Which actions to offer; 'both' on the start screen. */
  mode: 'open' | 'create' | 'both';
  onDone?(): void;
}

const DEFAULT_NAME = 'Untitled.kinema';

/**
 * Project chooser for hosts without native dialogs (web mode): a path field and Open / Create.
 * With native dialogs it is two buttons that open the system file dialog.
 */
export function ProjectForm({ mode, onDone }: ProjectFormProps) {
  const info = useProject((s) => s.info);
  const current = useProject((s) => s.project);
  const busy = useProject((s) => s.busy);
  const [path, setPath] = useState(() =>
    current ? joinPath(dirname(current.path), DEFAULT_NAME) : joinPath(info?.homeDir ?? '.', DEFAULT_NAME),
  );
  const [error, setError] = useState<string | null>(null);
  const native = info?.nativeDialogs ?? false;

  const run = (action: 'open' | 'create') => {
    setError(null);
    const store = useProject.getState();
    const done = (project: unknown) => {
      if (project) onDone?.();
    };
    if (native) {
      store.pickAndOpen(action).then(done, ignore);
      return;
    }
    const trimmed = path.trim();
    if (!trimmed) {
      setError('Type the path of a .kinema project file.');
      return;
    }
    (action === 'open' ? store.open(trimmed) : store.create(trimmed)).then(done, (e: unknown) =>
      setError(errorMessage(e)),
    );
  };

  const showOpen = mode !== 'create';
  const showCreate = mode !== 'open';

  return (
    <form
      className="project-form"
      data-testid="project-form"
      onSubmit={(e) => {
        e.preventDefault();
        run(mode === 'create' ? 'create' : 'open');
      }}
    >
      {!native && (
        <label className="field">
          <span>Project file (.kinema)</span>
          <input
            type="text"
            data-testid="project-path-input"
            value={path}
            spellCheck={false}
            onChange={(e) => setPath(e.target.value)}
            placeholder={joinPath(info?.homeDir ?? '~', DEFAULT_NAME)}
          />
        </label>
      )}
      {error && (
        <div className="inline-error" role="alert" data-testid="project-error">
          {error}
        </div>
      )}
      <div className="button-row">
        {showOpen && (
          // Open is the form's default action (Enter) wherever it is offered.
          <button type="submit" className="primary" data-testid="project-open-button" disabled={busy}>
            {native ? 'Open project…' : 'Open project'}
          </button>
        )}
        {showCreate && (
          <button
            type={mode === 'create' ? 'submit' : 'button'}
            className={mode === 'create' ? 'primary' : ''}
            data-testid="project-create-button"
            disabled={busy}
            onClick={mode === 'create' ? undefined : () => run('create')}
          >
            {native ? 'New project…' : 'Create project'}
          </button>
        )}
      </div>
    </form>
  );
}
