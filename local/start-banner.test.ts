import { createServer } from 'node:net';
import { FUNCTIONS } from '../functions/catalog.js';
import { EmulatorConfigError } from './emulator/config.js';
import { LocalStackError } from './stack.js';
import { apiRoutes, explainStartFailure, startBanner } from './start-banner.js';

const PORTS = { LOCAL_AWS_PORT: 4566, LOCAL_API_PORT: 4000, LOCAL_WEB_PORT: 5173 };

/** The error Node gives a server whose port is taken. */
async function portTaken(): Promise<{ error: unknown; port: number }> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as { port: number };
  const second = createServer();
  const error = await new Promise((resolve) => {
    second.once('error', resolve);
    second.listen(port, '127.0.0.1');
  });
  await new Promise((resolve) => holder.close(resolve));
  return { error, port };
}

describe('start-up failures name what to change', () => {
  it('a taken port names the variable that sets it and a free alternative', async () => {
    const { error, port } = await portTaken();
    expect(explainStartFailure(error, { ...PORTS, LOCAL_API_PORT: port })).toBe(
      `port ${port} is already in use (another npm start, or another program): stop what holds it, or choose another port, e.g. LOCAL_API_PORT=${port + 100} npm start`,
    );
    expect(explainStartFailure(error, PORTS)).toContain('LOCAL_*_PORT=');
  });

  it('the stack and configuration errors are shown as their message; anything else is not explained away', () => {
    expect(explainStartFailure(new LocalStackError('the data folder .local was written by an older version'), PORTS)).toBe(
      'the data folder .local was written by an older version',
    );
    expect(explainStartFailure(new EmulatorConfigError('LOCAL_API_PORT must be a port number (1-65535), got "x"'), PORTS)).toContain('LOCAL_API_PORT');
    expect(explainStartFailure(new TypeError('x is undefined'), PORTS)).toBeUndefined();
  });
});

describe('the start banner', () => {
  const banner = startBanner({
    readyMs: 1234,
    webUrl: 'http://127.0.0.1:5173',
    apiUrl: 'http://127.0.0.1:4000',
    emulatorUrl: 'http://127.0.0.1:4566',
    mqttUrl: 'ws://127.0.0.1:4566/mqtt',
    dataDir: '.local',
  });

  it('lists every route of the function catalog', () => {
    const all = FUNCTIONS.flatMap((f) => f.routes ?? []);
    expect(all.length).toBeGreaterThan(5);
    for (const route of all) expect(banner).toContain(`${route.method} ${route.path}\n`);
    expect(apiRoutes()).toHaveLength(all.length);
  });

  it('says who the admin is and where confirmation codes appear', () => {
    expect(banner).toContain('alice (the admin');
    expect(banner).toContain('confirmation codes are printed here');
  });
});
