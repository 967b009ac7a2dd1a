/**
 * One running local stack per data folder: two would write the same DynamoDB files and user pools (the second crashed
 * with dynalite's "Database is closed"). The lock is a file holding the owner's process id, created exclusively; a lock
 * left by a process that is gone (killed, crashed) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataFolderInUseError extends Error {
  override readonly name = 'DataFolderInUseError';
}

export interface DataFolderLock {
  release(): void;
}

const LOCK_FILE = 'stack.lock';

export function lockDataFolder(dataDir: string, pid: number = process.pid): DataFolderLock {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return {
        release() {
          // Only our own lock: a folder taken over after this process was presumed gone stays locked by its new owner.
          if (ownerOf(file) === pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = ownerOf(file);
      if (owner !== undefined && owner !== pid && isRunning(owner))
        throw new DataFolderInUseError(
          `the data folder ${dataDir} is in use by another local stack (process ${owner}): stop that one (Ctrl-C in its terminal), or give this one its own folder, e.g. LOCAL_DATA_DIR=.local-2 (if no stack is running, delete ${file})`,
        );
      rmSync(file, { force: true });
    }
  }
  throw new DataFolderInUseError(`the data folder ${dataDir} is being locked by another local stack at the same moment: try again`);
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
