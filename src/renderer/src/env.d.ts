/// <reference types="vite/client" />
import type { KinemaApi } from '../../shared/contract';

declare global {
  interface Window {
    /** Built by the Electron preload or the web-mode bridge before this app's code runs. */
    kinema: KinemaApi;
  }
}

export {};
