/**
 * How long a test may wait for `startLocalStack`: the first start of a configuration synthesizes the local stage (the
 * functions' bundles once per run, then a few seconds per configuration; see local/deploy/synth-cache.ts), which on a
 * loaded 2-core machine takes far longer than a test's own timeout. Later starts of the same configuration take well
 * under a second.
 */
export const STACK_START_TIMEOUT_MS = 180_000;
