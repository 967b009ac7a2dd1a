/** Runtime configuration, fetched from /config.json: the local stack writes it, `npm run deploy` writes it for AWS. */
export interface DemoConfig {
  mode: 'local' | 'aws';
  apiUrl: string;
  region: string;
  iotEndpoint: string;
  identityPoolId: string;
  allowGuests: boolean;
  topicPrefix: string;
  userPoolId?: string;
  userPoolClientId?: string;
  /** Local mode: where the SDK's sockets are re-routed, and Amplify's Cognito Identity endpoint. */
  emulatorMqttUrl?: string;
  identityPoolEndpoint?: string;
  /** Local mode: demo users of the local token issuer. */
  demoUsers?: Array<{ id: string; name: string; rooms: string[] }>;
}

export async function loadConfig(): Promise<DemoConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`could not load /config.json (${res.status}): run \`npm start\`, or \`npm run deploy\` for AWS`);
  const config = (await res.json()) as DemoConfig;
  // API Gateway's $default stage URL ends with "/"; routes are appended as "/credentials".
  return { ...config, apiUrl: config.apiUrl.replace(/\/+$/, '') };
}
