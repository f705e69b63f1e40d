import { useEffect, useState } from 'react';
import { ActionsPanel } from './components/ActionsPanel';
import { AlignView } from './components/AlignView';
import { ConfirmDialog } from './components/ConfirmDialog';
import { CropStrip } from './components/CropStrip';
import { DetectDialog } from './components/DetectDialog';
import { EditorPanel } from './components/editor/EditorPanel';
import { ImportDialog } from './components/ImportDialog';
import { JobsPanel } from './components/JobsPanel';
import { KinematicsPanel } from './components/KinematicsPanel';
import { Player } from './components/Player';
import { ProjectDialog } from './components/ProjectDialog';
import { ShortcutsHelp } from './components/ShortcutsHelp';
import { StartScreen } from './components/StartScreen';
import { Timeline } from './components/Timeline';
import { Toasts } from './components/Toasts';
import { TopBar } from './components/TopBar';
import { TrainLifterDialog } from './components/TrainLifterDialog';
import { VideoList } from './components/VideoList';
import { Viewer3D } from './components/Viewer3D';
import { importDropped } from './importFlow';
import { useGlobalShortcuts } from './keyboard';
import { useAlign } from './store/align';
import { useEditor } from './store/editor';
import { subscribeToEvents } from './store/events';
import { useProject } from './store/project';
import { useToasts } from './store/toasts';

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

/**
 * Whole-window drop target for video files; shows an overlay while files are dragged over.
 * Drops are always intercepted: left alone, the browser (or Electron) would navigate to the file.
 */
function useFileDrop(): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasProject = () => useProject.getState().project !== null;
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      if (hasProject()) setOver(true);
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = hasProject() ? 'copy' : 'none';
    };
    const onLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      if (!hasProject()) {
        useToasts.getState().error('Open or create a project first, then drop videos to import them.');
        return;
      }
      importDropped(Array.from(e.dataTransfer?.files ?? []));
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
  return over;
}

function Workspace() {
  // The Align view takes the place of the video list and the player; the jobs panel stays.
  const aligning = useAlign((s) => s.open);
  return (
    <div className="workspace">
      <TopBar />
      {aligning ? (
        <AlignView />
      ) : (
        <>
          <aside className="sidebar">
            <VideoList />
          </aside>
          <main className="centre">
            <div className="player-row">
              <Player />
              <Viewer3D />
            </div>
            <Timeline />
            <CropStrip />
            <EditorPanel />
            <KinematicsPanel />
            <ActionsPanel />
          </main>
        </>
      )}
      <aside className="right">
        <JobsPanel />
      </aside>
    </div>
  );
}

export function App() {
  const ready = useProject((s) => s.ready);
  const fatal = useProject((s) => s.fatal);
  const project = useProject((s) => s.project);
  const dragging = useFileDrop();
  useGlobalShortcuts();

  useEffect(() => {
    const unsubscribe = subscribeToEvents();
    const detachEditor = useEditor.getState().attach();
    void useProject.getState().init();
    return () => {
      unsubscribe();
      detachEditor();
    };
  }, []);

  let content;
  if (!ready) content = <div className="splash muted">Starting Kinema…</div>;
  else if (fatal)
    content = (
      <div className="splash" data-testid="fatal-error">
        <h1>Kinema cannot start</h1>
        <p className="inline-error">{fatal}</p>
        <button type="button" className="primary" onClick={() => void useProject.getState().init()}>
          Retry
        </button>
      </div>
    );
  else content = project ? <Workspace /> : <StartScreen />;

  return (
    <>
      {content}
      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay">
          Drop videos to import them
        </div>
      )}
      <ImportDialog />
      <ProjectDialog />
      <DetectDialog />
      <TrainLifterDialog />
      <ConfirmDialog />
      <ShortcutsHelp />
      <Toasts />
    </>
  );
}
