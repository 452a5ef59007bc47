// Namespace validity (CONTRACT 1.2): a namespace becomes a folder path under `artifacts/`, so
// anything that could walk out of it (`.`/`..` segments, absolute paths, backslashes, NUL)
// makes the ref invalid: reported, never resolved, never turned into a path.

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

/**
 * Why `namespace` (as written before `/sha256:`) is not a valid namespace, or undefined.
 * `backslashSeparator`: the namespace was joined to `sha256:` by `\` instead of `/`;
 * `drive`: it starts with a drive letter (`C:`).
 */
export function namespaceProblem(namespace: string, backslashSeparator = false, drive = false): string | undefined {
  if (namespace.includes('\0')) return 'namespace contains a NUL character';
  if (backslashSeparator || namespace.includes('\\')) return 'namespace contains a backslash';
  if (drive || namespace === '' || namespace.startsWith('/')) return 'namespace is an absolute path';
  const segments = namespace.split('/');
  const dots = segments.find((segment) => segment === '.' || segment === '..');
  if (dots) return `namespace has a "${dots}" segment (path traversal)`;
  if (!segments.every((segment) => SEGMENT.test(segment))) return 'namespace has an empty or malformed segment';
  return undefined;
}
