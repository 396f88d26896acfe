import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Test } from 'tap';

const run = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PackedPackage {
  /** A folder of the test's own inside the repository, removed at the test's end. */
  work: string;
  tarball: string;
  /** The paths the tarball holds, relative to the package root. */
  files: string[];
}

/**
 * What `npm publish` would upload, packed from the build `npm test` makes first (pretest). Packing
 * skips the build scripts, so nothing here rewrites dist/ under the other tests. The folder is inside
 * the repository, so a project made in it finds the repository's node_modules above its own, as a
 * host's project finds the packages it installed beside this one.
 */
export async function packPackage(t: Test): Promise<PackedPackage> {
  if (!existsSync(join(ROOT, 'dist/plugin/index.js')) || !existsSync(join(ROOT, 'dist/widget/widget.js'))) {
    throw new Error('dist/ is not built: run `npm run build` (npm test does it first)');
  }
  const work = await mkdtemp(join(ROOT, '.package-check-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { work, tarball: join(work, packed!.filename), files: packed!.files.map((file) => file.path) };
}

/** A project folder under `work` with the tarball unpacked as node_modules/tresta-notifications. */
export async function consumerProject(packed: PackedPackage, name: string): Promise<string> {
  const project = join(packed.work, name);
  await mkdir(join(project, 'node_modules'), { recursive: true });
  await run('tar', ['xzf', packed.tarball, '-C', join(project, 'node_modules')]);
  await rename(join(project, 'node_modules/package'), join(project, 'node_modules/tresta-notifications'));
  await writeFile(join(project, 'package.json'), JSON.stringify({ name, type: 'module', private: true }));
  return project;
}
