// The layers of plugin/, bottom to top, as README's "Architecture" section states them. A module
// imports from its own layer or below, never from above (type-only imports included: a type hub
// above a module ties its changes to everything that module serves). Every file under plugin/
// belongs to a layer, so a new folder fails here until it is placed.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pluginRoot = join(root, 'plugin');

/** Paths under plugin/ (a folder ends with '/'), lowest layer first. */
export const LAYERS: ReadonlyArray<{ name: string; paths: readonly string[] }> = [
  { name: 'foundation', paths: ['contract/', 'time/', 'errors.ts', 'notification-types.ts'] },
  { name: 'infrastructure', paths: ['db/', 'redis/', '../migrations/'] },
  { name: 'data access', paths: ['data/'] },
  {
    name: 'domain',
    paths: ['auth/', 'services/', 'email/', 'push/', 'quota/', 'realtime/', 'alerts/', 'metrics/'],
  },
  { name: 'jobs', paths: ['jobs/'] },
  { name: 'routes', paths: ['routes/'] },
  { name: 'composition', paths: ['startup/', 'worker/', 'index.ts'] },
];

function layerOf(path: string): number {
  return LAYERS.findIndex((layer) =>
    layer.paths.some((prefix) => (prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix)),
  );
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  );
  return nested.flat().filter((path) => path.endsWith('.ts'));
}

/** The relative imports of one file (static, type-only and dynamic), as paths under plugin/. */
function importsOf(file: string, text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(pluginRoot, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

t.test('every file under plugin/ belongs to a layer', async (t) => {
  const unplaced = (await sourceFiles(pluginRoot)).map((file) => relative(pluginRoot, file)).filter((path) => layerOf(path) < 0);
  t.same(unplaced, []);
});

t.test('no module imports from a layer above its own', async (t) => {
  const upward: string[] = [];
  for (const file of await sourceFiles(pluginRoot)) {
    const path = relative(pluginRoot, file);
    const own = layerOf(path);
    for (const target of importsOf(file, await readFile(file, 'utf8'))) {
      const theirs = layerOf(target);
      if (theirs > own) upward.push(`${path} (${LAYERS[own]?.name}) → ${target} (${LAYERS[theirs]?.name})`);
    }
  }
  t.same(upward, []);
});
