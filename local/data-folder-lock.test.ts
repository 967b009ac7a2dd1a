import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFolderInUseError, lockDataFolder } from './data-folder-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('lockDataFolder: one running local stack per data folder', () => {
  it('refuses a second stack while the first runs, naming the process and LOCAL_DATA_DIR, and frees the folder on release', () => {
    const first = lockDataFolder(dir);
    expect(readFileSync(join(dir, 'stack.lock'), 'utf8')).toBe(`${process.pid}\n`);
    // Another live process holds it: the parent of this test process is alive for sure.
    rmSync(join(dir, 'stack.lock'));
    writeFileSync(join(dir, 'stack.lock'), `${process.ppid}\n`);
    expect(() => lockDataFolder(dir)).toThrow(DataFolderInUseError);
    expect(() => lockDataFolder(dir)).toThrow(`is in use by another local stack (process ${process.ppid})`);
    expect(() => lockDataFolder(dir)).toThrow('LOCAL_DATA_DIR');
    // The first lock no longer is ours: releasing it leaves the other owner's lock alone.
    first.release();
    expect(existsSync(join(dir, 'stack.lock'))).toBe(true);
  });

  it('takes over a lock left by a process that is gone, and release removes it', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dir, 'stack.lock'), `${gone.stdout.toString()}\n`);
    const lock = lockDataFolder(dir);
    expect(readFileSync(join(dir, 'stack.lock'), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(join(dir, 'stack.lock'))).toBe(false);
  });

  it('takes over a lock file that holds no process id', () => {
    writeFileSync(join(dir, 'stack.lock'), 'garbage');
    lockDataFolder(dir).release();
    expect(existsSync(join(dir, 'stack.lock'))).toBe(false);
  });
});
