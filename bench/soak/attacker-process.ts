/**
 * One hostile user beside the soak's normal load (forked by bench/soak.ts with BENCH_SOAK_HOSTILE=attack), in its own
 * process so that its own work does not share the driver's timing. While the driver posts, it floods, each at once:
 * - POST /credentials with its app token, as fast as its `credentialsConcurrency` requests go, asking for a new tab
 *   client id every other time (the per-user request limit and the tab limit answer 429);
 * - Cognito USER_SRP_AUTH sign-ins of users that do not exist, through to RespondToAuthChallenge with a made-up
 *   password claim (the user pool's SRP work is the costly part; its quotas and worker pool answer TooManyRequests);
 *   its own side costs next to nothing: SRP_A is computed once, the claim is random bytes;
 * - persistent sessions: every client id it was given credentials for (its own and up to the tab limit) connects with
 *   clean session off, subscribes to its own subtree and disconnects, again and again, at the rate AWS IoT allows one
 *   client id ("Connect requests per second per client ID: 1", AWS IoT Core endpoints and quotas; the emulator does not
 *   enforce it, so the attacker keeps to it: more would measure something IoT refuses).
 * Every outcome is counted by what it was (HTTP status, Cognito error name, MQTT result).
 */

import { randomBytes } from 'node:crypto';
import { CognitoIdentityProviderClient, InitiateAuthCommand, RespondToAuthChallengeCommand } from '@aws-sdk/client-cognito-identity-provider';
import mqtt from 'mqtt';
import type { CredentialsResponse } from '../../core/contracts/http.js';
import { formatSrpTimestamp } from '../../local/emulator/services/cognito-user-pool/srp.js';
import { startSrpClient } from '../../local/emulator/services/cognito-user-pool/srp-client.test-support.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import { serveIpc } from '../fanout/ipc.js';

export interface AttackSpec {
  apiUrl: string;
  emulatorUrl: string;
  region: string;
  userPoolClientId: string;
  /** The attacker's app JWT. */
  token: string;
  /** Its own subtree (what its sessions subscribe to). */
  userFilter: string;
  credentialsConcurrency: number;
  srpConcurrency: number;
  /** Tab client ids it asks for at the start (beyond the tab limit they are refused). */
  tabs: number;
}

export interface AttackCounters {
  credentials: Record<string, number>;
  srp: Record<string, number>;
  sessions: { clientIds: number; connects: number; failures: Record<string, number> };
  tabsRefused: number;
  ms: number;
}

export type AttackerProtocol = {
  start: { args: AttackSpec; result: { clientIds: number } };
  stop: { args: null; result: AttackCounters };
};

const count = (tally: Record<string, number>, key: string) => {
  tally[key] = (tally[key] ?? 0) + 1;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
/** AWS IoT: at most one CONNECT per second per client id. */
const CONNECT_INTERVAL_MS = 1000;

let running = false;
let loops: Array<Promise<void>> = [];
let startedAt = 0;
const counters: AttackCounters = { credentials: {}, srp: {}, sessions: { clientIds: 0, connects: 0, failures: {} }, tabsRefused: 0, ms: 0 };

async function credentialsRequest(spec: AttackSpec, tab: string | undefined): Promise<Response> {
  return fetch(`${spec.apiUrl}/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${spec.token}`, ...(tab ? { 'content-type': 'application/json' } : {}) },
    ...(tab ? { body: JSON.stringify({ tab }) } : {}),
  });
}

async function credentialsFlood(spec: AttackSpec, worker: number): Promise<void> {
  for (let i = 0; running; i += 1) {
    try {
      const res = await credentialsRequest(spec, i % 2 === 0 ? `flood${worker}x${i}` : undefined);
      await res.arrayBuffer();
      count(counters.credentials, String(res.status));
    } catch (error) {
      count(counters.credentials, `network error (${(error as Error).message})`);
    }
  }
}

async function srpFlood(spec: AttackSpec, idp: CognitoIdentityProviderClient, srpA: string): Promise<void> {
  while (running) {
    const username = `nobody-${randomBytes(6).toString('hex')}`;
    try {
      const out = await idp.send(
        new InitiateAuthCommand({ ClientId: spec.userPoolClientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: username, SRP_A: srpA } }),
      );
      const challenge = out.ChallengeParameters ?? {};
      await idp.send(
        new RespondToAuthChallengeCommand({
          ClientId: spec.userPoolClientId,
          ChallengeName: 'PASSWORD_VERIFIER',
          ChallengeResponses: {
            USERNAME: challenge.USER_ID_FOR_SRP ?? username,
            PASSWORD_CLAIM_SECRET_BLOCK: challenge.SECRET_BLOCK ?? '',
            PASSWORD_CLAIM_SIGNATURE: randomBytes(32).toString('base64'),
            TIMESTAMP: formatSrpTimestamp(new Date()),
          },
          ...(out.Session ? { Session: out.Session } : {}),
        }),
      );
      count(counters.srp, 'signed in (never expected)');
    } catch (error) {
      count(counters.srp, (error as Error).name || 'error');
    }
  }
}

async function sessionChurn(url: string, clientId: string, filter: string): Promise<void> {
  while (running) {
    const began = Date.now();
    const client = mqtt.connect(url, { clientId, protocolVersion: 4, clean: false, reconnectPeriod: 0, connectTimeout: 5000 });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('closed before CONNACK')));
      });
      counters.sessions.connects += 1;
      await client.subscribeAsync(filter, { qos: 1 });
      await client.endAsync();
    } catch (error) {
      client.end(true);
      count(counters.sessions.failures, (error as Error).message);
    }
    await sleep(began + CONNECT_INTERVAL_MS - Date.now());
  }
}

serveIpc<AttackerProtocol>(
  null,
  {
    async start(spec) {
      // Credentials for its own client id and as many tabs as it is given, before the flood (which then eats its limits).
      const granted: CredentialsResponse[] = [];
      for (const tab of [undefined, ...Array.from({ length: spec.tabs }, (_, i) => `sess${i}`)]) {
        const res = await credentialsRequest(spec, tab);
        if (res.status === 200) granted.push((await res.json()) as CredentialsResponse);
        else {
          await res.arrayBuffer();
          counters.tabsRefused += 1;
        }
      }
      const urls = await Promise.all(
        granted.map(async (creds) => ({
          clientId: creds.clientId,
          url: await presignMqttUrl(creds, { connectTo: spec.emulatorUrl, signedHost: creds.iotEndpoint, region: creds.region, expiresIn: 3600 }),
        })),
      );
      counters.sessions.clientIds = urls.length;
      const idp = new CognitoIdentityProviderClient({
        region: spec.region,
        endpoint: spec.emulatorUrl,
        credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
        maxAttempts: 1,
      });
      const srpA = startSrpClient().srpA;
      running = true;
      startedAt = Date.now();
      loops = [
        ...Array.from({ length: spec.credentialsConcurrency }, (_, w) => credentialsFlood(spec, w)),
        ...Array.from({ length: spec.srpConcurrency }, () => srpFlood(spec, idp, srpA)),
        ...urls.map(({ url, clientId }) => sessionChurn(url, clientId, spec.userFilter)),
      ];
      return { clientIds: urls.length };
    },
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      counters.ms = Date.now() - startedAt;
      return counters;
    },
  },
  async () => {
    running = false;
    await Promise.allSettled(loops);
  },
);
