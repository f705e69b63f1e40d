import { useCallback, useEffect, useState } from 'react';
import type { RequestOutput } from '../../../shared/contract';
import { call, errorMessage } from '../api';
import { importPaths } from '../importFlow';
import { dirname, formatBytes, looksLikeVideo, resolveTyped } from '../paths';
import { useProject } from '../store/project';
import { useUi } from '../store/ui';
import { FileIcon, FilmIcon, FolderIcon } from './icons';
import { FormFooter, Modal } from './Modal';

type Listing = RequestOutput<'files.list'>;
type Entry = Listing['entries'][number];

function sortEntries(entries: Entry[]): Entry[] {
  return [...entries].sort(
    (a, b) =>
      (a.kind === b.kind ? 0 : a.kind === 'dir' ? -1 : 1) ||
      a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' }),
  );
}

/** Only mounted while open, so every opening starts fresh in the project's folder. */
export function ImportDialog() {
  const open = useUi((s) => s.importOpen);
  return open ? <ImportDialogBody /> : null;
}

function ImportDialogBody() {
  const notice = useUi((s) => s.importNotice);
  const projectPath = useProject((s) => s.project?.path);
  const homeDir = useProject((s) => s.info?.homeDir);
  const [listing, setListing] = useState<Listing | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [typed, setTyped] = useState('');
  const [showHidden, setShowHidden] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [importError, setImportError] = useState<string | null>(null);

  const close = () => useUi.getState().closeImport();

  const browse = useCallback(async (dir: string, fallback?: string): Promise<boolean> => {
    setLoading(true);
    setListError(null);
    try {
      setListing(await call('files.list', { dir }, { quiet: true }));
      return true;
    } catch (error) {
      if (fallback) {
        try {
          setListing(await call('files.list', { dir: fallback }, { quiet: true }));
          return true;
        } catch {
          // Report the first failure: it is about the folder the user expected to see.
        }
      }
      setListError(errorMessage(error));
      return false;
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    // Start in the project's folder (videos usually sit beside it), else the home folder.
    const start = projectPath ? dirname(projectPath) : (homeDir ?? '.');
    void browse(start, homeDir);
  }, [browse, projectPath, homeDir]);

  const baseDir = listing?.dir ?? (projectPath ? dirname(projectPath) : (homeDir ?? '.'));
  const typedPath = typed.trim() ? resolveTyped(typed, baseDir) : null;
  const paths = [...selected, ...(typedPath && !selected.includes(typedPath) ? [typedPath] : [])];

  const toggle = (path: string) =>
    setSelected((s) => (s.includes(path) ? s.filter((p) => p !== path) : [...s, path]));

  const submit = async () => {
    if (submitting) return;
    if (paths.length === 0) {
      setImportError('Choose at least one video, or type its path.');
      return;
    }
    setSubmitting(true);
    setImportError(null);
    try {
      await importPaths(paths);
      close();
    } catch (error) {
      // The toast reports it too; the dialog stays open with the selection so it can be fixed.
      setImportError(errorMessage(error));
    } finally {
      setSubmitting(false);
    }
  };

  const entries = listing
    ? sortEntries(listing.entries).filter((e) => showHidden || !e.name.startsWith('.'))
    : [];

  return (
    <Modal
      title="Import videos"
      testId="import-dialog"
      onClose={close}
      wide
      footer={
        <FormFooter
          form="import-form"
          onCancel={close}
          submitTestId="import-submit"
          disabled={submitting}
          note={selected.length > 0 ? `${selected.length} selected` : 'Tick files, or type a path'}
        >
          {submitting ? 'Importing…' : paths.length > 1 ? `Import ${paths.length} videos` : 'Import'}
        </FormFooter>
      }
    >
      {notice && (
        <div className="notice" data-testid="import-notice">
          {notice}
        </div>
      )}
      <div className="browser-bar">
        <button
          type="button"
          data-testid="import-up"
          disabled={!listing?.parent || loading}
          onClick={() => listing?.parent && browse(listing.parent)}
          title="Parent folder"
        >
          ↑ Up
        </button>
        <span className="browser-dir" data-testid="import-current-dir" title={listing?.dir}>
          {listing?.dir ?? '…'}
        </span>
        <label className="check small">
          <input type="checkbox" checked={showHidden} onChange={(e) => setShowHidden(e.target.checked)} />
          Hidden files
        </label>
      </div>
      <div className="file-list" data-testid="import-file-list" aria-busy={loading}>
        {listError && (
          <div className="inline-error" role="alert">
            {listError}
          </div>
        )}
        {listing?.parent && (
          <button
            type="button"
            className="file-row dir"
            data-testid="import-entry-up"
            onClick={() => browse(listing.parent!)}
          >
            <span className="file-icon">
              <FolderIcon />
            </span>
            <span className="file-name">..</span>
          </button>
        )}
        {entries.map((entry) =>
          entry.kind === 'dir' ? (
            <button
              type="button"
              key={entry.path}
              className="file-row dir"
              data-testid="import-entry"
              data-kind="dir"
              data-name={entry.name}
              data-path={entry.path}
              onClick={() => browse(entry.path)}
            >
              <span className="file-icon">
                <FolderIcon />
              </span>
              <span className="file-name">{entry.name}</span>
            </button>
          ) : (
            <label
              key={entry.path}
              className={`file-row file${looksLikeVideo(entry.name) ? ' video' : ''}${selected.includes(entry.path) ? ' selected' : ''}`}
              data-testid="import-entry"
              data-kind="file"
              data-name={entry.name}
              data-path={entry.path}
            >
              <input
                type="checkbox"
                data-testid="import-entry-checkbox"
                checked={selected.includes(entry.path)}
                onChange={() => toggle(entry.path)}
              />
              <span className="file-icon">{looksLikeVideo(entry.name) ? <FilmIcon /> : <FileIcon />}</span>
              <span className="file-name">{entry.name}</span>
              <span className="file-size muted">{formatBytes(entry.sizeBytes)}</span>
            </label>
          ),
        )}
        {listing && entries.length === 0 && !listError && (
          <div className="muted empty">This folder is empty.</div>
        )}
      </div>
      <form
        id="import-form"
        className="path-row"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <input
          type="text"
          data-testid="import-path-input"
          data-autofocus
          placeholder="…or type the full path of a video (Enter imports)"
          value={typed}
          spellCheck={false}
          onChange={(e) => setTyped(e.target.value)}
        />
        <button
          type="button"
          data-testid="import-path-go"
          disabled={!typedPath}
          title="List this folder"
          onClick={() => {
            if (!typedPath) return;
            void browse(typedPath).then((ok) => ok && setTyped(''));
          }}
        >
          Open folder
        </button>
      </form>
      {importError && (
        <div className="inline-error" role="alert" data-testid="import-error">
          {importError}
        </div>
      )}
    </Modal>
  );
}
