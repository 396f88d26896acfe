import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const PID_FILE = 'tresta.pid';

export type FolderClaim = { release: () => Promise<void> } | { heldBy: number };

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a folder for this process: `<folder>/tresta.pid` holds the owner's pid, taken over from a
 * process that ended without releasing it. Answers the holder's pid when a live process (this one
 * included) holds it. The pid is written to a file of our own first and then hard-linked into
 * place, so the link either fails or appears complete: nobody ever reads a half-written pid.
 */
export async function claimFolder(folder: string): Promise<FolderClaim> {
  const pidFile = join(folder, PID_FILE);
  const ownFile = `${pidFile}.${process.pid}`;
  await writeFile(ownFile, String(process.pid));
  try {
    for (;;) {
      try {
        await link(ownFile, pidFile);
        return { release: () => rm(pidFile, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number(await readFile(pidFile, 'utf8').catch(() => ''));
      if (isRunning(holder)) return { heldBy: holder };
      await rm(pidFile, { force: true });
    }
  } finally {
    await rm(ownFile, { force: true });
  }
}
