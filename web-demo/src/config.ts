/** Runtime configuration, fetched from /config.json: the local stack writes it, `npm run deploy` writes it for AWS. */

import { parseContract } from '../../core/contracts/validate.js';
import { type WebConfig, WebConfigSchema } from '../../core/contracts/web-config.js';

export type DemoConfig = WebConfig;

export async function loadConfig(): Promise<DemoConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`could not load /config.json (${res.status}): run \`npm start\`, or \`npm run deploy\` for AWS`);
  const { demoCognitoUsers, ...config } = parseContract(WebConfigSchema, await res.json(), '/config.json is not what this page expects');
  // The seeded passwords are for the local emulator only: never shown for a deployed stage.
  const seeded = config.mode === 'local' ? demoCognitoUsers : undefined;
  // API Gateway's $default stage URL ends with "/"; routes are appended as "/credentials".
  return { ...config, apiUrl: config.apiUrl.replace(/\/+$/, ''), ...(seeded ? { demoCognitoUsers: seeded } : {}) };
}
