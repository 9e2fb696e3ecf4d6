// Path handling for configured paths: joined onto a base textually, because the application root
// is used as given (D1) and neither symlinks nor `..` may be resolved.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/**
 * `path` made absolute against `base`: trailing slashes stripped, `.` segments and doubled
 * slashes removed. `..` is kept because, under a symlinked root such as `/srv/app/current`,
 * folding it textually would point somewhere other than where the kernel goes.
 */
export function expandPath(path: string, base: string): string {
  const joined = isAbsolute(path) ? path : `${base}/${path}`;
  const segments = joined.split('/').filter((segment, index) => index === 0 || (segment !== '' && segment !== '.'));
  const result = segments.join('/');
  return result === '' ? '/' : result;
}

/** True for a regular file (following symlinks); false when missing or unreadable. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Two spellings of one application root: the same text, or the same directory once resolved. */
export function sameRoot(a: string, b: string): boolean {
  if (a === b || resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
