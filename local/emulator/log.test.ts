import { PassThrough } from 'node:stream';
import { consoleLogger, escapeControl, LogBudget, memoryLogger } from './log.js';

function capture(format: 'text' | 'json') {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  return { logger: consoleLogger({ format, stream, minLevel: 'debug' }), lines: () => out.split('\n').filter(Boolean) };
}

describe('log lines cannot be forged by client-supplied text', () => {
  const forged = 'tester-1\n[emulator] DENIED mqtt iot:Connect by root: fake\r\u001b[2K\u2028more';

  it('text: control characters and line separators in any field are escaped; one entry is one line', () => {
    const { logger, lines } = capture('text');
    logger.log({ level: 'info', message: 'mqtt connected', clientId: forged, topic: 'a b=c' });
    logger.log({
      level: 'warn',
      message: 'denied',
      service: 'mqtt',
      who: `user/x (client ${forged})`,
      action: 'iot:Connect',
      resource: `arn:client/${forged}`,
      reason: 'no',
    });
    expect(lines()).toHaveLength(2);
    expect(lines()[0]).toBe(
      '[emulator] mqtt connected clientId="tester-1\\n[emulator] DENIED mqtt iot:Connect by root: fake\\r\\u001b[2K\\u2028more" topic="a b=c"',
    );
    expect(lines()[1]).not.toContain('\r');
    expect(lines()[1]).toContain('(client tester-1\\n[emulator] DENIED');
  });

  it('text: a value with spaces or = is quoted, so it cannot pass for more fields', () => {
    const { logger, lines } = capture('text');
    logger.log({ level: 'info', message: 'mqtt disconnected', clientId: 'x reason=CLIENT_INITIATED_DISCONNECT', reason: 'CONNECTION_LOST' });
    expect(lines()).toEqual(['[emulator] mqtt disconnected clientId="x reason=CLIENT_INITIATED_DISCONNECT" reason=CONNECTION_LOST']);
  });

  it('json: one object per line, U+2028/U+2029 escaped too', () => {
    const { logger, lines } = capture('json');
    logger.log({ level: 'info', message: 'mqtt connected', clientId: forged });
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).not.toMatch(/[\u2028\u2029]/);
    expect((JSON.parse(lines()[0]!) as { clientId: string }).clientId).toBe(forged);
  });

  it('escapeControl leaves printable text alone', () => {
    expect(escapeControl('iot-realtime/local/users/alice/#')).toBe('iot-realtime/local/users/alice/#');
    expect(escapeControl('é ü 日本')).toBe('é ü 日本');
  });
});

describe('callouts: what the developer must act on stands out', () => {
  it('text: a callout is printed alone between two rules, escaped; the other fields are not mixed in', () => {
    const { logger, lines } = capture('text');
    logger.log({ level: 'info', message: 'code', callout: 'Confirmation code for dana\n[emulator] fake: 123456', code: '123456' });
    expect(lines()).toEqual([
      `[emulator] ${'='.repeat(55)}`,
      '[emulator]   Confirmation code for dana\\n[emulator] fake: 123456',
      `[emulator] ${'='.repeat(55)}`,
    ]);
  });

  it('json: the callout stays a field of the one line', () => {
    const { logger, lines } = capture('json');
    logger.log({ level: 'info', message: 'code', callout: 'Confirmation code for dana: 123456' });
    expect(lines()).toHaveLength(1);
    expect(JSON.parse(lines()[0]!)).toMatchObject({ message: 'code', callout: 'Confirmation code for dana: 123456' });
  });
});

describe('LogBudget: per-source rate limit of refusal lines', () => {
  it('passes the first lines of a window, holds back the rest, says how many at the next window or on flush', () => {
    const log = memoryLogger();
    let now = 0;
    const budget = new LogBudget(log, 3, 1000, () => now);
    for (let i = 0; i < 10; i += 1) budget.log({ level: 'warn', message: `refusal ${i}` });
    expect(log.entries.map((e) => e.message)).toEqual(['refusal 0', 'refusal 1', 'refusal 2']);
    expect(budget.suppressed).toBe(7);
    now = 1000;
    budget.log({ level: 'warn', message: 'refusal 10' });
    expect(log.entries.slice(3)).toEqual([
      { level: 'warn', message: 'log lines suppressed (per-connection budget)', suppressed: 7, lastSuppressed: 'refusal 9' },
      { level: 'warn', message: 'refusal 10' },
    ]);
    for (let i = 0; i < 5; i += 1) budget.log({ level: 'warn', message: 'again' });
    budget.flush({ clientId: 'c' });
    expect(log.entries.at(-1)).toEqual({ level: 'warn', message: 'log lines suppressed (per-connection budget)', suppressed: 3, clientId: 'c' });
    budget.flush();
    expect(log.entries).toHaveLength(8);
  });
});
