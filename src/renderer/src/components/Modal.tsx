import { useEffect, useRef, type ReactNode } from 'react';
import { CloseIcon } from './icons';

interface ModalProps {
  title: string;
  testId: string;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}

/** A centred dialog over a dimmed backdrop; Escape and the backdrop close it. */
export function Modal({ title, testId, onClose, children, footer, wide }: ModalProps) {
  const ref = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  });

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // Focus the first field so typing works at once; fall back to the dialog itself.
    const root = ref.current;
    const first =
      root?.querySelector<HTMLElement>('[data-autofocus]') ??
      root?.querySelector<HTMLElement>('input, select, textarea');
    (first ?? root)?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onCloseRef.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus();
    };
  }, []);

  return (
    <div
      className="modal-backdrop"
      onPointerDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        className={wide ? 'modal modal-wide' : 'modal'}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        data-testid={testId}
        ref={ref}
        tabIndex={-1}
      >
        <div className="modal-header">
          <h2>{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            <CloseIcon />
          </button>
        </div>
        <div className="modal-body">{children}</div>
        {footer && <div className="modal-footer">{footer}</div>}
      </div>
    </div>
  );
}

/**
 * The usual footer of a form dialog: an optional note, Cancel, and the primary button that submits
 * the form with id `form` (so Enter in a field and the button do the same).
 */
export function FormFooter({
  form,
  onCancel,
  submitTestId,
  disabled,
  children,
  note,
}: {
  form: string;
  onCancel(): void;
  submitTestId: string;
  disabled: boolean;
  /** The submit button's label. */
  children: ReactNode;
  note?: ReactNode;
}) {
  return (
    <>
      {note !== undefined && <span className="muted small footer-note">{note}</span>}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" form={form} className="primary" data-testid={submitTestId} disabled={disabled}>
        {children}
      </button>
    </>
  );
}
