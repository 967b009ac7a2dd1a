/** Runtime configuration, fetched from /config.json: the local stack writes it, `npm run deploy` writes it for AWS. */
import * as v from 'valibot';
import { type WebConfig, WebConfigSchema } from '../../core/contracts/web-config.js';
import { parseContract } from '../../core/contracts/validate.js';

/**
 * Local only, read when /config.json carries it: the seeded Cognito users, whose passwords the sign-in page shows
 * (they exist only in the emulator's user pool). Not in the shared contract yet, so it is read here on its own.
 */
const DemoCognitoUsersSchema = v.object({ demoCognitoUsers: v.optional(v.array(v.object({ username: v.string(), password: v.string() }))) });

export type DemoConfig = WebConfig & v.InferOutput<typeof DemoCognitoUsersSchema>;

export async function loadConfig(): Promise<DemoConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`could not load /config.json (${res.status}): run \`npm start\`, or \`npm run deploy\` for AWS`);
  const json: unknown = await res.json();
  const config = parseContract(WebConfigSchema, json, '/config.json is not what this page expects');
  const extra = v.safeParse(DemoCognitoUsersSchema, json);
  // The seeded passwords are for the local emulator only: never shown for a deployed stage.
  const demoCognitoUsers = config.mode === 'local' && extra.success ? extra.output.demoCognitoUsers : undefined;
  // API Gateway's $default stage URL ends with "/"; routes are appended as "/credentials".
  return { ...config, apiUrl: config.apiUrl.replace(/\/+$/, ''), ...(demoCognitoUsers ? { demoCognitoUsers } : {}) };
}
