/**
 * What `npm start` prints: the banner (every route from the function catalog, so it cannot fall behind the API) and,
 * when the stack cannot start, one sentence saying why and which variable to change instead of a stack trace.
 */
import { FUNCTIONS } from '../functions/catalog.js';
import { DataFolderInUseError } from './data-folder-lock.js';
import { EmulatorConfigError } from './emulator/config.js';
import { LocalStackError } from './stack.js';

export interface BannerFacts {
  readyMs: number;
  webUrl: string | undefined;
  apiUrl: string;
  emulatorUrl: string;
  mqttUrl: string;
  dataDir: string;
}

/** Every HTTP route of the catalog, in catalog order, as `METHOD /path`. */
export function apiRoutes(): string[] {
  return FUNCTIONS.flatMap((f) => (f.routes ?? []).map((r) => `${r.method} ${r.path}`));
}

export function startBanner(facts: BannerFacts): string {
  const routes = apiRoutes();
  return [
    `iot-realtime local stack ready in ${facts.readyMs} ms`,
    ...(facts.webUrl
      ? [
          `  Web demo        ${facts.webUrl}`,
          '                  app users: alice (the admin: broadcasts), bob, carol, or any user id',
          '                  Cognito users: erin@example.com / Erin-demo-pass-1, frank@example.com / Frank-demo-pass-2, or sign up; or a guest',
        ]
      : []),
    `  HTTP API        ${facts.apiUrl}   (${routes.length} routes, from functions/catalog.ts)`,
    ...routes.map((r) => `                  ${r}`),
    `  Local tokens    POST ${facts.apiUrl}/dev/token {"sub":"alice"}   POST ${facts.apiUrl}/dev/cognito-token {"username":"dana"}`,
    `  AWS emulator    ${facts.emulatorUrl}   (IoT Core, STS, Cognito, DynamoDB, Lambda, SQS, API Gateway, EventBridge; MQTT at ${facts.mqttUrl})`,
    `  Local data      ${facts.dataDir}   (rooms, history, users, Cognito identities, signing keys; delete the folder to reset)`,
    'Cognito sign-up confirmation codes are printed here, framed by ===== lines (no email is sent locally).',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** The ports `npm start` listens on, by the variable that sets each. */
export type PortVariables = Record<'LOCAL_AWS_PORT' | 'LOCAL_API_PORT' | 'LOCAL_WEB_PORT', number>;

/**
 * A start-up failure a person can act on, as one message; undefined for anything else (a bug: its stack trace helps).
 */
export function explainStartFailure(error: unknown, ports: PortVariables): string | undefined {
  if (error instanceof LocalStackError || error instanceof DataFolderInUseError || error instanceof EmulatorConfigError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const port = (error as { port?: unknown } | undefined)?.port;
  if ((code === 'EADDRINUSE' || code === 'EACCES') && typeof port === 'number') {
    const variable = (Object.keys(ports) as Array<keyof PortVariables>).find((name) => ports[name] === port);
    const setting = variable ?? 'LOCAL_*_PORT';
    const why = code === 'EADDRINUSE' ? `port ${port} is already in use (another npm start, or another program)` : `port ${port} may not be used by this user`;
    return `${why}: stop what holds it, or choose another port, e.g. ${setting}=${port + 100} npm start`;
  }
  return undefined;
}
