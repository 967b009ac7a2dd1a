/** `npm run rehearse`: the production stage, with example values, applied to a fresh emulator and used end to end. */
import { RehearsalError, rehearse } from './rehearse.js';

const started = performance.now();
try {
  const result = await rehearse({ log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(
    `Rehearsal of ${result.stackName} passed: ${result.resources} resources applied, ${result.steps.length} steps, ${Math.round(performance.now() - started)} ms\n`,
  );
  process.exit(0);
} catch (error) {
  if (!(error instanceof RehearsalError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
