/** CPU time of the process a bench's stack runs in, as the stack processes report it to their driver. */
import { readFileSync } from 'node:fs';

/** CPU time this process has used so far, all its threads, and its main thread's (the emulator's loop), in ms. */
export interface CpuTime {
  processMs: number;
  /** Undefined where /proc is not there (not Linux). */
  mainThreadMs: number | undefined;
}

/** USER_HZ: 100 on Linux whatever the kernel's own tick rate (proc(5)). */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of the main thread (its task id is the process id), from /proc/self/task/<pid>/stat, in ms. */
function mainThreadMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces, so split after its closing parenthesis), from field 3
    // on: utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

export function cpuTime(): CpuTime {
  const { user, system } = process.cpuUsage();
  return { processMs: (user + system) / 1000, mainThreadMs: mainThreadMs() };
}
