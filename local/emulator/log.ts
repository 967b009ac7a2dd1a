/**
 * Emulator log lines. Every refusal says who, what, which resource and why: that is what a developer debugging a
 * policy needs. Human-readable by default; `LOCAL_LOG_FORMAT=json` prints one JSON object per line.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
  [field: string]: unknown;
}

export interface EmulatorLogger {
  log(entry: LogEntry): void;
}

export interface DenialFields {
  /** mqtt, sts, iot, iotdata, cognito-identity */
  service: string;
  who: string;
  action: string;
  resource?: string;
  reason: string;
}

export function denied(logger: EmulatorLogger, fields: DenialFields): void {
  logger.log({ level: 'warn', message: 'denied', ...fields });
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function consoleLogger(options: { format?: 'text' | 'json'; minLevel?: LogLevel; stream?: NodeJS.WritableStream } = {}): EmulatorLogger {
  const format = options.format ?? 'text';
  const min = LEVELS[options.minLevel ?? 'info'];
  const stream = options.stream ?? process.stderr;
  return {
    log(entry) {
      if (LEVELS[entry.level] < min) return;
      if (format === 'json') {
        stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
        return;
      }
      const { level, message, ...fields } = entry;
      if (message === 'denied') {
        const f = fields as unknown as DenialFields;
        stream.write(`[emulator] DENIED ${f.service} ${f.action} by ${f.who}${f.resource ? ` on ${f.resource}` : ''}: ${f.reason}\n`);
        return;
      }
      const rest = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      stream.write(`[emulator] ${level === 'info' ? '' : `${level.toUpperCase()} `}${message}${rest ? ` ${rest}` : ''}\n`);
    },
  };
}

/** Collects entries in memory: for tests that assert a refusal was explained. */
export function memoryLogger(): EmulatorLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return { entries, log: (entry) => entries.push(entry) };
}
