import { Fragment } from 'react';
import { keyCaps, SHORTCUTS } from '../shortcuts';
import { useUi } from '../store/ui';
import { CloseIcon } from './icons';

export function ShortcutsHelp() {
  const open = useUi((s) => s.helpOpen);
  const setHelp = useUi((s) => s.setHelp);
  if (!open) return null;
  return (
    <div className="modal-backdrop" onPointerDown={(e) => e.target === e.currentTarget && setHelp(false)}>
      <div
        className="modal shortcuts-help"
        role="dialog"
        aria-label="Keyboard shortcuts"
        data-testid="shortcuts-help"
      >
        <div className="modal-header">
          <h2>Keyboard shortcuts</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={() => setHelp(false)}>
            <CloseIcon />
          </button>
        </div>
        <div className="modal-body">
          <table className="shortcut-table">
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.id} data-shortcut-id={s.id}>
                  <td className="shortcut-keys">
                    {s.keys.map((combo, i) => (
                      <Fragment key={combo}>
                        {i > 0 && <span className="muted"> or </span>}
                        {keyCaps(combo).map((cap, j) => (
                          <Fragment key={cap}>
                            {j > 0 && '+'}
                            <kbd>{cap}</kbd>
                          </Fragment>
                        ))}
                      </Fragment>
                    ))}
                  </td>
                  <td className="shortcut-label">{s.label}</td>
                  <td className="muted">{s.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">Shortcuts are ignored while typing in a field.</p>
        </div>
      </div>
    </div>
  );
}
