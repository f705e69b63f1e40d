/**
 * Electron main process: one window, the IPC wiring of the contract, native dialogs and menus.
 * Everything else lives in the Workstation, shared with web mode and the CLI.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { events, type EventName } from '../../shared/contract';
import { handleRequest } from '../api/handlers';
import { appVersion, builtPaths } from '../paths';
import { Workstation, type DialogProvider } from '../workstation';

let mainWindow: BrowserWindow | null = null;

const VIDEO_EXTENSIONS = [
  'mp4',
  'mov',
  'm4v',
  'mkv',
  'webm',
  'avi',
  'mts',
  'm2ts',
  'mpg',
  'mpeg',
  'wmv',
  'flv',
  '3gp',
];

const dialogs: DialogProvider = {
  async pickVideos() {
    const result = await dialog.showOpenDialog(mainWindow!, {
      title: 'Import videos',
      properties: ['openFile', 'multiSelections'],
      filters: [
        { name: 'Videos', extensions: VIDEO_EXTENSIONS },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    return result.canceled ? [] : result.filePaths;
  },
  async pickProject(mode) {
    if (mode === 'open') {
      const result = await dialog.showOpenDialog(mainWindow!, {
        title: 'Open project',
        properties: ['openFile'],
        filters: [{ name: 'Kinema project', extensions: ['kinema'] }],
      });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    }
    const result = await dialog.showSaveDialog(mainWindow!, {
      title: 'New project',
      defaultPath: join(app.getPath('documents'), 'Untitled.kinema'),
      filters: [{ name: 'Kinema project', extensions: ['kinema'] }],
    });
    return result.canceled ? null : (result.filePath ?? null);
  },
  async pickExportPath(suggestedName) {
    const result = await dialog.showSaveDialog(mainWindow!, {
      title: 'Export clip',
      defaultPath: suggestedName,
      filters: [{ name: 'MP4 video', extensions: ['mp4'] }],
    });
    return result.canceled ? null : (result.filePath ?? null);
  },
};

const workstation = new Workstation({
  version: appVersion,
  workerPath: builtPaths.jobWorker,
  cacheDir: join(app.getPath('userData'), 'cache'),
  dialogs,
});

/** Only our own window's main frame may call the contract. */
function isTrustedSender(sender: WebContents, frameUrl: string | undefined): boolean {
  if (!mainWindow || sender !== mainWindow.webContents) return false;
  return Boolean(
    frameUrl &&
    (frameUrl.startsWith('file://') || frameUrl.startsWith(process.env.ELECTRON_RENDERER_URL ?? '\0')),
  );
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#15171a',
    title: 'Kinema',
    webPreferences: {
      preload: builtPaths.preload,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  // No navigation away from the app and no new windows; external links open in the browser.
  mainWindow.webContents.on('will-navigate', (event) => event.preventDefault());
  mainWindow.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void mainWindow.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void mainWindow.loadFile(join(builtPaths.rendererDir, 'index.html'));
  mainWindow.on('closed', () => (mainWindow = null));
}

function buildMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: 'File',
        submenu: [
          {
            label: 'Open Project…',
            accelerator: 'CmdOrCtrl+O',
            click: async () => {
              const path = await dialogs.pickProject('open');
              if (path)
                await workstation
                  .openProject(path)
                  .catch((err: Error) => dialog.showErrorBox('Cannot open project', err.message));
            },
          },
          {
            label: 'New Project…',
            accelerator: 'CmdOrCtrl+N',
            click: async () => {
              const path = await dialogs.pickProject('create');
              if (path)
                await workstation
                  .openProject(path, true)
                  .catch((err: Error) => dialog.showErrorBox('Cannot create project', err.message));
            },
          },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
}

app.whenReady().then(() => {
  ipcMain.handle('kinema:request', (event, name: unknown, input: unknown) => {
    if (!isTrustedSender(event.sender, event.senderFrame?.url)) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'Request from an untrusted frame' } };
    }
    return handleRequest(workstation, name, input);
  });
  for (const name of Object.keys(events) as EventName[]) {
    workstation.on(name, (payload) => mainWindow?.webContents.send('kinema:event', name, payload));
  }
  buildMenu();
  createWindow();
  const projectArg = process.argv.find((a) => a.endsWith('.kinema'));
  if (projectArg)
    void workstation
      .openProject(projectArg)
      .catch((err: Error) => dialog.showErrorBox('Cannot open project', err.message));
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  void workstation.closeProject().finally(() => {
    if (process.platform !== 'darwin') app.quit();
  });
});
