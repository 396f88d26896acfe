// `pglite://<folder>` names an embedded database (PGlite, Postgres compiled to WebAssembly, inside
// this process) kept in that folder; `pglite://memory` keeps it in memory, gone when the process ends.
// This module has no dependencies, so validating options never loads PGlite.

const SCHEME = 'pglite://';
const IN_MEMORY = 'memory';

export function isEmbeddedUrl(url: string): boolean {
  return url.startsWith(SCHEME);
}

/**
 * Where an embedded database lives: a folder (relative to the working directory, or absolute), or
 * `null` for one in memory. Answers `undefined` for a URL that names no folder (`pglite://`).
 */
export function embeddedDataDir(url: string): string | null | undefined {
  const location = url.slice(SCHEME.length);
  if (location === IN_MEMORY) return null;
  return location.trim() === '' ? undefined : location;
}
