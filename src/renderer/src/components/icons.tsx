/** Inline SVG icons: emoji and rare symbols are missing from many system fonts. */
import type { ReactNode } from 'react';

function Icon({ children, size = 14 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="currentColor"
      aria-hidden="true"
    >
      {children}
    </svg>
  );
}

export const FirstIcon = () => (
  <Icon>
    <rect x="2" y="3" width="2" height="10" />
    <path d="M14 3v10L5 8z" />
  </Icon>
);
export const LastIcon = () => (
  <Icon>
    <rect x="12" y="3" width="2" height="10" />
    <path d="M2 3v10l9-5z" />
  </Icon>
);
export const StepBackIcon = () => (
  <Icon>
    <rect x="3" y="4" width="2" height="8" />
    <path d="M13 4v8L6 8z" />
  </Icon>
);
export const StepForwardIcon = () => (
  <Icon>
    <rect x="11" y="4" width="2" height="8" />
    <path d="M3 4v8l7-4z" />
  </Icon>
);
export const PlayIcon = () => (
  <Icon>
    <path d="M4 2.5v11L13.5 8z" />
  </Icon>
);
export const PauseIcon = () => (
  <Icon>
    <rect x="3.5" y="3" width="3" height="10" />
    <rect x="9.5" y="3" width="3" height="10" />
  </Icon>
);
export const TrashIcon = () => (
  <Icon size={13}>
    <path d="M6 1.5h4l.5 1.5H14v1.5H2V3h3.5zM3.5 5.5h9l-.8 9h-7.4z" />
  </Icon>
);
export const FolderIcon = () => (
  <Icon>
    <path d="M1.5 3.5h5l1.5 1.5h6.5v8.5h-13z" />
  </Icon>
);
export const FilmIcon = () => (
  <Icon>
    <path d="M2 2.5h12v11H2zm1.5 1.5v1.5H5V4zm7.5 0v1.5h1.5V4zM3.5 7.25v1.5H5v-1.5zm7.5 0v1.5h1.5v-1.5zM3.5 10.5V12H5v-1.5zm7.5 0V12h1.5v-1.5zM6.25 4v8h3.5V4z" />
  </Icon>
);
export const FileIcon = () => (
  <Icon>
    <path d="M3.5 1.5h6l3 3v10h-9z" opacity="0.5" />
  </Icon>
);
export const CloseIcon = () => (
  <Icon size={12}>
    <path d="M3.4 2.3 8 6.9l4.6-4.6 1.1 1.1L9.1 8l4.6 4.6-1.1 1.1L8 9.1l-4.6 4.6-1.1-1.1L6.9 8 2.3 3.4z" />
  </Icon>
);
/** A stick figure: pose detection. */
export const PoseIcon = () => (
  <Icon>
    <circle cx="8" cy="2.6" r="1.6" />
    <path
      d="M8 5v4.5M3.5 6.5 8 5.5l4.5 1M8 9.5l-2.5 4.5M8 9.5l2.5 4.5"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
      fill="none"
    />
  </Icon>
);
