/** Path string helpers: the renderer has no `path` module and may talk to a Windows or POSIX host. */

export function pathSeparator(path: string): '/' | '\\' {
  return path.includes('\\') && !path.includes('/') ? '\\' : '/';
}

export function dirname(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const at = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (at < 0) return '.';
  if (at === 0) return trimmed[0];
  // Keep a Windows drive root ("C:\") whole.
  if (at === 2 && trimmed[1] === ':') return trimmed.slice(0, 3);
  return trimmed.slice(0, at);
}

export function basename(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const at = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return at < 0 ? trimmed : trimmed.slice(at + 1);
}

export function stripExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export function isAbsolutePath(path: string): boolean {
  return (
    path.startsWith('/') || path.startsWith('~') || path.startsWith('\\\\') || /^[A-Za-z]:[\\/]/.test(path)
  );
}

export function joinPath(dir: string, name: string): string {
  const sep = pathSeparator(dir);
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : dir + sep + name;
}

/** A typed path relative to `baseDir` (the folder the user is looking at) becomes absolute. */
export function resolveTyped(path: string, baseDir: string): string {
  const p = path.trim();
  return isAbsolutePath(p) ? p : joinPath(baseDir, p);
}

const VIDEO_EXTENSIONS = new Set([
  'mp4',
  'm4v',
  'mov',
  'mkv',
  'webm',
  'avi',
  'mts',
  'm2ts',
  'ts',
  'mpg',
  'mpeg',
  'wmv',
  '3gp',
  'flv',
  'mxf',
  'ogv',
]);

export function looksLikeVideo(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && VIDEO_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** A file name safe on every OS, for suggested export names. */
export function safeFileName(name: string): string {
  return (
    name
      .replace(/[<>:"/\\|?*]/g, '_')
      .split('')
      .filter((c) => c.charCodeAt(0) >= 32)
      .join('')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 180) || 'clip'
  );
}
