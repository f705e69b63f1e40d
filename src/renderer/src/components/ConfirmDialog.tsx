import { useUi } from '../store/ui';
import { Modal } from './Modal';

/** In-app confirmation (window.confirm would block the page and is dismissed by test drivers). */
export function ConfirmDialog() {
  const confirm = useUi((s) => s.confirm);
  const settle = useUi((s) => s.settleConfirm);
  if (!confirm) return null;
  return (
    <Modal
      title={confirm.title}
      testId="confirm-dialog"
      onClose={() => settle(false)}
      footer={
        <>
          <button type="button" data-testid="confirm-cancel" onClick={() => settle(false)}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            data-testid="confirm-ok"
            data-autofocus
            onClick={() => settle(true)}
          >
            {confirm.confirmLabel}
          </button>
        </>
      }
    >
      <p>{confirm.message}</p>
    </Modal>
  );
}
