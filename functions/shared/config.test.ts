import { env, readConfig } from './config.js';
import { ConfigError } from './errors.js';

describe('readConfig', () => {
  const schema = { A_URL: env.url(), B_NAME: env.string(), C_SECONDS: env.integer({ default: 3600, min: 900, max: 3600 }) };

  it('reads and validates every variable', () => {
    expect(readConfig(schema, { A_URL: 'https://x', B_NAME: 'b', C_SECONDS: '900' }, 'fn')).toEqual({ A_URL: 'https://x', B_NAME: 'b', C_SECONDS: 900 });
    expect(readConfig(schema, { A_URL: 'https://x', B_NAME: 'b' }, 'fn').C_SECONDS).toBe(3600);
  });

  it('names every missing or invalid variable at once', () => {
    expect(() => readConfig(schema, { A_URL: 'ftp://x', C_SECONDS: '7200' }, 'credentials function')).toThrow(ConfigError);
    try {
      readConfig(schema, { A_URL: 'ftp://x', C_SECONDS: '7200' }, 'credentials function');
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toMatch(/^credentials function cannot start/);
      expect(message).toContain('A_URL must be an http(s) URL');
      expect(message).toContain('B_NAME is required');
      expect(message).toContain('C_SECONDS must be an integer between 900 and 3600');
    }
  });
});
