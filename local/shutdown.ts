/** Ctrl-C (SIGINT) and SIGTERM stop a local server cleanly, once. */
export function stopOnSignals(what: string, close: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\nStopping ${what}...\n`);
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
