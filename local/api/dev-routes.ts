/**
 * Local-only routes of the local API (never deployed): the app issuer's JWKS, `POST /dev/token {"sub"}` (an app JWT
 * for any valid user id) and `POST /dev/cognito-token {"username"}` (a sign-in of the emulator's local user pool: ID,
 * access and refresh tokens, without SRP: for scripts and tests; the web demo signs in with Amplify).
 */
import type { ServerResponse } from 'node:http';
import * as v from 'valibot';
import {
  DevCognitoTokenRequestSchema,
  type DevCognitoTokenResponse,
  DevTokenRequestSchema,
  type DevTokenResponse,
  type ErrorBody,
} from '../../core/contracts/http.js';
import { describeIssue } from '../../core/contracts/validate.js';
import { sendJson } from '../emulator/http/io.js';
import { appTokenFor, type LocalTokenIssuer } from './token-issuer.js';

export interface DevIssuers {
  app: LocalTokenIssuer;
  /** A sign-in of the local user pool for this username (created, confirmed, if new): its ID, access and refresh tokens. */
  cognitoSignIn(username: string): Promise<DevCognitoTokenResponse>;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: status === 404 ? 'not_found' : 'bad_request', message } satisfies ErrorBody);
}

function parse<const S extends v.GenericSchema>(schema: S, body: Buffer, res: ServerResponse): v.InferOutput<S> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    refuse(res, 400, 'the request body is not valid JSON');
    return undefined;
  }
  const result = v.safeParse(schema, json);
  if (!result.success) {
    refuse(res, 400, result.issues.map(describeIssue).join('; '));
    return undefined;
  }
  return result.output;
}

/** Serves a local-only route; false when the request is not one. */
export async function serveDevRoute(method: string, path: string, body: Buffer, res: ServerResponse, issuers: DevIssuers): Promise<boolean> {
  if (method === 'GET' && path === '/.well-known/jwks.json') {
    sendJson(res, 200, issuers.app.jwks);
    return true;
  }
  if (method === 'POST' && path === '/dev/token') {
    const request = parse(DevTokenRequestSchema, body, res);
    if (request) sendJson(res, 200, { token: await appTokenFor(issuers.app, request.sub) } satisfies DevTokenResponse);
    return true;
  }
  if (method === 'POST' && path === '/dev/cognito-token') {
    const request = parse(DevCognitoTokenRequestSchema, body, res);
    if (request) sendJson(res, 200, (await issuers.cognitoSignIn(request.username)) satisfies DevCognitoTokenResponse);
    return true;
  }
  return false;
}
