/**
 * What CloudWatch Logs does with a function's output, locally: each line is kept as a log event of the function, and
 * a line in the embedded metric format becomes metrics ("Specification: Embedded metric format": a JSON object whose
 * `_aws.CloudWatchMetrics[].Metrics[].Name` names members of the root holding a number or an array of numbers). The
 * local stack sums those values per metric name, as a CloudWatch Sum would, so tests and benches read what the
 * functions counted. Lines are shown on the emulator's log at the function's own level (powertools writes `level`).
 */
import type { EmulatorLogger, LogLevel } from '../../log.js';

export type FunctionLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

const RANK: Record<string, number> = { TRACE: 0, DEBUG: 10, INFO: 20, WARN: 30, WARNING: 30, ERROR: 40, CRITICAL: 50, FATAL: 50, SILENT: 100 };
const TO_EMULATOR: Record<string, LogLevel> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  WARNING: 'warn',
  ERROR: 'error',
  CRITICAL: 'error',
  FATAL: 'error',
};

interface EmfDirective {
  Metrics?: Array<{ Name?: unknown }>;
}

export class FunctionLogs {
  readonly #totals = new Map<string, number>();

  constructor(
    private readonly logger: EmulatorLogger,
    /** Lines below this level are not shown (they are still read for metrics). */
    private readonly showLevel: FunctionLogLevel = 'INFO',
  ) {}

  /** Sums of every EMF metric the functions emitted, by metric name. */
  get metrics(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#totals);
  }

  line(functionName: string, text: string, requestId: string | undefined): void {
    let parsed: Record<string, unknown> | undefined;
    if (text.startsWith('{')) {
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) parsed = value as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
    }
    if (parsed && this.#collectMetrics(parsed)) return;
    const level = typeof parsed?.level === 'string' ? parsed.level.toUpperCase() : 'INFO';
    if ((RANK[level] ?? RANK.INFO!) < RANK[this.showLevel]!) return;
    const message = typeof parsed?.message === 'string' ? parsed.message : text;
    const emulatorLevel = TO_EMULATOR[level] ?? 'info';
    // Warnings and errors carry the whole structured line (the reason, the error); other lines only their message.
    const detail = parsed && (emulatorLevel === 'warn' || emulatorLevel === 'error') ? { fields: parsed } : {};
    this.logger.log({ level: emulatorLevel, message: `${functionName}: ${message}`, ...(requestId ? { requestId } : {}), ...detail });
  }

  /** True when the line was an EMF document (CloudWatch extracts it; it is not shown). */
  #collectMetrics(document: Record<string, unknown>): boolean {
    const aws = document._aws as { CloudWatchMetrics?: EmfDirective[] } | undefined;
    if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return false;
    for (const directive of aws.CloudWatchMetrics) {
      for (const metric of directive.Metrics ?? []) {
        if (typeof metric.Name !== 'string') continue;
        const value = document[metric.Name];
        const values = Array.isArray(value) ? value : [value];
        const sum = values.reduce<number>((total, v) => (typeof v === 'number' && Number.isFinite(v) ? total + v : total), 0);
        this.#totals.set(metric.Name, (this.#totals.get(metric.Name) ?? 0) + sum);
      }
    }
    return true;
  }
}
