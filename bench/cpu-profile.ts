/** A CPU profile of the process a bench's stack runs in (its main thread), started and written on the driver's request. */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

let profiler: Session | undefined;

export async function startProfile(): Promise<null> {
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
  return null;
}

/** Writes the profile (.cpuprofile, for Chrome DevTools) to `file`, an absolute path, and returns it. */
export async function stopProfile({ file }: { file: string }): Promise<string> {
  if (!profiler) throw new Error('no profile was started');
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = undefined;
  writeFileSync(file, JSON.stringify(profile));
  return file;
}
