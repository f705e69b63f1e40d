/** Import entry points: the Import button, the in-app dialog's submit and file drops. */
import { call, ignore } from './api';
import { useProject } from './store/project';
import { useToasts } from './store/toasts';
import { useUi } from './store/ui';
import { useVideos } from './store/videos';

/** Imports `paths`; throws (after a toast) so a dialog can stay open on failure. */
export async function importPaths(paths: string[]): Promise<void> {
  const { jobIds } = await call('videos.import', { paths });
  const n = jobIds.length;
  useToasts.getState().info(n === 1 ? 'Import started' : `Import of ${n} videos started`);
  useVideos.getState().refresh().catch(ignore);
}

/** The Import button: the system dialog where there is one, else the in-app file browser. */
export function startImport(): void {
  if (!useProject.getState().info?.nativeDialogs) {
    useUi.getState().openImport();
    return;
  }
  call('dialog.pickVideos', {})
    .then((paths) => (paths.length > 0 ? importPaths(paths) : undefined))
    .catch(ignore);
}

/** Files dropped on the window. Browsers do not reveal a dropped file's path, Electron does. */
export function importDropped(files: File[]): void {
  if (files.length === 0) return;
  const paths: string[] = [];
  for (const file of files) {
    const path = window.kinema.pathForFile(file);
    if (!path) {
      useUi
        .getState()
        .openImport(
          'Drag-and-drop import needs the Kinema desktop app: a browser does not tell the page where a dropped file is. Choose the files here instead.',
        );
      return;
    }
    paths.push(path);
  }
  importPaths(paths).catch(ignore);
}
