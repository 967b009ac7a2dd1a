/**
 * Emulator log lines. Every refusal says who, what, which resource and why: that is what a developer debugging a
 * policy needs. Human-readable by default; `LOCAL_LOG_FORMAT=json` prints one JSON object per line.
 *
 * Log lines cannot be forged: client ids, topics, tokens and origins come from clients, so in the text format every
 * control character (CR, LF, ESC, ...) and Unicode line separator is escaped, and a field value that could pass for
 * more fields (spaces, `=`, quotes) is quoted. The JSON format escapes them by construction.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
  /**
   * A sentence the developer must act on (a confirmation code to type): the text format prints it on its own line,
   * framed (and bold on a terminal), so it cannot be missed among the other lines; JSON keeps it as a field.
   */
  callout?: string;
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

// C0 and C1 control characters, DEL, and the Unicode line and paragraph separators: each could end or rewrite a line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A client-supplied string made safe for one line of text: control characters become `\n`, `\u001b`, ... */
export function escapeControl(value: string): string {
  return value.replace(UNSAFE, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

// A value printed bare: no whitespace, `=`, quote or backslash, nothing unsafe.
// biome-ignore lint/suspicious/noControlCharactersInRegex: excluding control characters is the point.
const BARE = /^[^\s="\\\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/;

/** A `key=value` value: bare when it cannot be mistaken for more fields, JSON-quoted (and escaped) otherwise. */
function fieldValue(value: unknown): string {
  if (typeof value !== 'string') return escapeControl(JSON.stringify(value) ?? String(value));
  return BARE.test(value) ? value : escapeControl(JSON.stringify(value));
}

export function consoleLogger(options: { format?: 'text' | 'json'; minLevel?: LogLevel; stream?: NodeJS.WritableStream } = {}): EmulatorLogger {
  const format = options.format ?? 'text';
  const min = LEVELS[options.minLevel ?? 'info'];
  const stream = options.stream ?? process.stderr;
  return {
    log(entry) {
      if (LEVELS[entry.level] < min) return;
      if (format === 'json') {
        // JSON.stringify leaves U+2028/U+2029 raw; escape them too, so no reader splits the line there.
        stream.write(`${escapeControl(JSON.stringify({ time: new Date().toISOString(), ...entry }))}\n`);
        return;
      }
      const { level, message, callout, ...fields } = entry;
      if (typeof callout === 'string') {
        const text = escapeControl(callout);
        const rule = '='.repeat(Math.min(100, text.length + 4));
        const tty = (stream as NodeJS.WriteStream).isTTY === true;
        stream.write(`[emulator] ${rule}\n[emulator]   ${tty ? `\u001b[1m${text}\u001b[0m` : text}\n[emulator] ${rule}\n`);
        return;
      }
      if (message === 'denied') {
        const f = fields as unknown as DenialFields;
        const text = `DENIED ${f.service} ${f.action} by ${f.who}${f.resource ? ` on ${f.resource}` : ''}: ${f.reason}`;
        stream.write(`[emulator] ${escapeControl(text)}\n`);
        return;
      }
      const rest = Object.entries(fields)
        .map(([k, v]) => `${escapeControl(k)}=${fieldValue(v)}`)
        .join(' ');
      stream.write(`[emulator] ${level === 'info' ? '' : `${level.toUpperCase()} `}${escapeControl(message)}${rest ? ` ${rest}` : ''}\n`);
    },
  };
}

/** Collects entries in memory: for tests that assert a refusal was explained. */
export function memoryLogger(): EmulatorLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return { entries, log: (entry) => entries.push(entry) };
}

/**
 * A per-source budget of log lines: a client that repeats a refused action (a flood of throttled publishes, denied
 * deliveries) gets at most `linesPerWindow` lines per window, then one line saying how many were suppressed.
 */
export class LogBudget {
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;
  #suppressed = 0;
  #lastSuppressed = '';

  constructor(
    private readonly logger: EmulatorLogger,
    private readonly linesPerWindow = 20,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  log(entry: LogEntry): void {
    const t = this.now();
    if (t - this.#windowStart >= this.windowMs) {
      if (this.#suppressed > 0) {
        this.logger.log({
          level: 'warn',
          message: 'log lines suppressed (per-connection budget)',
          suppressed: this.#suppressed,
          lastSuppressed: this.#lastSuppressed,
        });
      }
      this.#windowStart = t;
      this.#used = 0;
      this.#suppressed = 0;
    }
    if (this.#used < this.linesPerWindow) {
      this.#used += 1;
      this.logger.log(entry);
    } else {
      this.#suppressed += 1;
      this.#lastSuppressed = entry.message;
    }
  }

  /** Lines held back in the current window. */
  get suppressed(): number {
    return this.#suppressed;
  }

  /** Says how many lines were held back, if any (the source is going away). */
  flush(context: Record<string, unknown> = {}): void {
    if (this.#suppressed === 0) return;
    this.logger.log({ level: 'warn', message: 'log lines suppressed (per-connection budget)', suppressed: this.#suppressed, ...context });
    this.#suppressed = 0;
  }
}
