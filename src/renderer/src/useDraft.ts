import { useState } from 'react';

/**
 * Local editable copy of a server value. It follows the server value whenever that changes (an
 * update from elsewhere, or our own save coming back), and otherwise keeps what the user typed.
 */
export function useDraft<T>(value: T): [T, (next: T) => void] {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  if (!Object.is(seen, value)) {
    // Adjusting state while rendering is React's documented way to reset on a prop change.
    setSeen(value);
    setDraft(value);
  }
  return [draft, setDraft];
}
