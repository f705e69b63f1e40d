import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

if (!window.kinema) {
  // The preload (Electron) or the web bridge (browser) must have run first; say so plainly.
  root.render(
    <div className="splash" data-testid="fatal-error">
      <h1>Kinema cannot start</h1>
      <p className="inline-error">
        The connection to the Kinema backend is missing. Start the app with <code>npm start</code>, or open
        the link printed by <code>npm run serve</code>.
      </p>
    </div>,
  );
} else {
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
