import { resolve, sep } from 'node:path';

/** The file under `root` that a request path names, or undefined when it would leave `root`. */
export function resolvePagePath(root: string, pathname: string): string | undefined {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html';
  } catch {
    return undefined;
  }
  const file = resolve(root, relative);
  return file.startsWith(root + sep) && !relative.includes('\0') ? file : undefined;
}
