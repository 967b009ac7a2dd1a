/**
 * Cognito user pools (cognito-idp, JSON 1.1: `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`)
 * and each pool's JWKS at `GET /<poolId>/.well-known/jwks.json`.
 *
 * Authorization follows Cognito's two models ("Using the Amazon Cognito user pools API and user pool endpoints",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html):
 * - public operations (SignUp, ConfirmSignUp, ResendConfirmationCode, InitiateAuth, RespondToAuthChallenge,
 *   RevokeToken) are unauthenticated and name an app client; token-authorized ones (GetUser, GlobalSignOut) carry the
 *   user's access token; IAM is not evaluated for either;
 * - Admin operations (AdminConfirmSignUp) are SigV4-signed (signing name `cognito-idp`) and IAM-authorized:
 *   action `cognito-idp:<Operation>` on `arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>` (Service
 *   Authorization Reference, "Actions, resources, and condition keys for Amazon Cognito User Pools").
 * Errors are `{"__type": "<Code>", "message": "..."}` with HTTP 400, as the API reference lists them for every
 * operation; SigV4 failures keep the status authenticate.ts gives them (403).
 *
 * The issuer of a pool's tokens is Cognito's own, `https://cognito-idp.<region>.amazonaws.com/<poolId>` (the user
 * pool's `endpoint` with a scheme), so the identity pool the stack declares (provider_name = the pool's endpoint) and
 * Amplify (which derives the Logins key from `iss`, credentialsProvider formLoginsMap) agree with AWS. The JWKS is
 * served here at `/<poolId>/.well-known/jwks.json`; the functions reach it under the issuer's URL because the Lambda
 * service maps Cognito's host to the emulator (services/lambda, "the local network").
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalAccount } from '../../account/account.js';
import { describePrincipal, type Principal } from '../../account/principal.js';
import { authenticateRequest } from '../../http/authenticate.js';
import { sendJson } from '../../http/io.js';
import { ServiceError } from '../../http/service-error.js';
import { denied, type EmulatorLogger } from '../../log.js';
import { type AuthFlow, type UserPoolClientConfig, type UserPoolConfig, validateUserPoolConfig } from './config.js';
import { COGNITO_USER_POOL_QUOTAS, type UserPoolQuotas, UserPoolRequestQuotas } from './quotas.js';
import { DEFAULT_SRP_POOL, type SrpPoolOptions, SrpWorkerPool } from './srp-pool.js';
import { UserPoolStore } from './store.js';
import { createSigningKey, PoolTokenSigner, unverifiedIssuer } from './tokens.js';
import { LocalUserPool } from './user-pool.js';

/**
 * What an identity pool asks its user pools under ServerSideTokenCheck (CognitoIdentityProvider.ServerSideTokenCheck:
 * "check with the integrated user pools to make sure that the user has not been globally signed out or deleted").
 */
export interface UserPoolSignInCheck {
  /**
   * For an ID token whose signature, issuer, audience and expiry the caller has verified: `active` while its
   * sign-in stands, `revoked` after GlobalSignOut / RevokeToken or once the user is gone, `unknown-pool` when no
   * local pool issued it (the caller cannot check, so it refuses).
   */
  idTokenSignInStatus(claims: { iss: string; sub: string; aud: string; origin_jti?: unknown }): 'active' | 'revoked' | 'unknown-pool';
}

export interface CognitoUserPoolDependencies {
  account: LocalAccount;
  logger: EmulatorLogger;
  now: () => Date;
  pools: UserPoolConfig[];
  /** Where users, sign-ins and signing keys are kept (`.local` for `npm start`); in memory when absent. */
  dataDir?: string;
  /** The emulator's URL (read lazily: with port 0 it is known only once the server listens). */
  baseUrl: () => string;
  /** Request rate quotas per category (requests per second); Cognito's defaults when absent (quotas.ts). */
  quotas?: Partial<UserPoolQuotas>;
  /** The worker threads of the SRP math and their queue bound (srp-pool.ts). */
  srpPool?: SrpPoolOptions;
}

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const JWKS_PATH = /^\/([\w-]+_[0-9a-zA-Z]+)\/\.well-known\/jwks\.json$/;
const FLOW_ALIASES: Record<string, AuthFlow> = {
  USER_SRP_AUTH: 'USER_SRP_AUTH',
  USER_PASSWORD_AUTH: 'USER_PASSWORD_AUTH',
  REFRESH_TOKEN_AUTH: 'REFRESH_TOKEN_AUTH',
  // InitiateAuth API reference: "REFRESH_TOKEN_AUTH/REFRESH_TOKEN" name the same flow.
  REFRESH_TOKEN: 'REFRESH_TOKEN_AUTH',
};

type Input = Record<string, unknown>;

export class CognitoUserPoolService implements UserPoolSignInCheck {
  readonly #pools = new Map<string, LocalUserPool>();
  readonly #clients = new Map<string, { pool: LocalUserPool; client: UserPoolClientConfig }>();
  readonly #quotas: UserPoolRequestQuotas;
  readonly #srp: SrpWorkerPool;

  private constructor(private readonly deps: CognitoUserPoolDependencies) {
    this.#quotas = new UserPoolRequestQuotas({ ...COGNITO_USER_POOL_QUOTAS, ...deps.quotas }, performance.now());
    this.#srp = new SrpWorkerPool(deps.srpPool ?? DEFAULT_SRP_POOL);
  }

  /** Opens the data file and creates the configured pools (more can be created later with createPool). */
  static async start(deps: CognitoUserPoolDependencies): Promise<CognitoUserPoolService> {
    const service = new CognitoUserPoolService(deps);
    service.#store = UserPoolStore.open(deps.dataDir);
    for (const config of deps.pools) await service.createPool(config);
    return service;
  }

  #store: UserPoolStore | undefined;

  /** CreateUserPool (and its clients): signing keys are created the first time and kept with the pool's data. */
  async createPool(config: UserPoolConfig): Promise<LocalUserPool> {
    const store = this.#store!;
    validateUserPoolConfig(config);
    if (this.#pools.has(config.userPoolId)) throw new Error(`user pool ${config.userPoolId} already exists`);
    for (const client of config.clients) if (this.#clients.has(client.clientId)) throw new Error(`app client id ${client.clientId} is used by two user pools`);
    const stored = store.pool(config.userPoolId);
    if (stored.keys === undefined) {
      stored.keys = { id: await createSigningKey(), access: await createSigningKey() };
      store.save();
    }
    const pool = new LocalUserPool({
      config,
      store,
      signer: await PoolTokenSigner.load(stored.keys),
      logger: this.deps.logger,
      now: this.deps.now,
      issuer: () => this.issuer(config.userPoolId),
      srp: (job) => this.#srp.run(job),
    });
    this.#pools.set(config.userPoolId, pool);
    for (const client of config.clients) this.#clients.set(client.clientId, { pool, client });
    return pool;
  }

  /** CreateUserPoolClient: a client of an existing pool (aws_cognito_user_pool_client is applied after its pool). */
  addClient(userPoolId: string, client: UserPoolClientConfig): void {
    const pool = this.#pools.get(userPoolId);
    if (!pool) throw new Error(`User pool ${userPoolId} does not exist.`);
    if (this.#clients.has(client.clientId)) throw new Error(`app client id ${client.clientId} is used by two user pools`);
    pool.config.clients.push(client);
    validateUserPoolConfig(pool.config);
    this.#clients.set(client.clientId, { pool, client });
  }

  /** The `iss` of the pool's tokens and the base of its JWKS URL. */
  issuer(userPoolId: string): string {
    return `https://cognito-idp.${this.deps.account.region}.amazonaws.com/${userPoolId}`;
  }

  /** The identity pool's Logins key for this pool, as Amplify computes it from `iss` (the issuer without scheme). */
  loginsKey(userPoolId: string): string {
    return this.issuer(userPoolId).replace(/^https?:\/\//, '');
  }

  pool(userPoolId: string): LocalUserPool | undefined {
    return this.#pools.get(userPoolId);
  }

  idTokenSignInStatus(claims: { iss: string; sub: string; aud: string; origin_jti?: unknown }): 'active' | 'revoked' | 'unknown-pool' {
    const pool = [...this.#pools.values()].find((p) => this.issuer(p.id) === claims.iss);
    if (pool === undefined) return 'unknown-pool';
    const originJti = typeof claims.origin_jti === 'string' ? claims.origin_jti : undefined;
    return pool.isIdTokenSignInActive({ sub: claims.sub, originJti, clientId: claims.aud }) ? 'active' : 'revoked';
  }

  /** Stops the SRP worker threads (idle ones never keep the process alive, so this is tidiness, not a must). */
  async close(): Promise<void> {
    await this.#srp.close();
  }

  /** `GET /<poolId>/.well-known/jwks.json`; returns false for any other request, which the router handles. */
  handleJwks(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET') return false;
    const userPoolId = JWKS_PATH.exec((req.url ?? '').split('?')[0] ?? '')?.[1];
    if (userPoolId === undefined) return false;
    const pool = this.#pools.get(userPoolId);
    if (pool === undefined) {
      sendJson(res, 404, { message: `User pool ${userPoolId} does not exist.` });
      return true;
    }
    sendJson(res, 200, pool.jwks(), { 'cache-control': 'max-age=3600' });
    return true;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const requestId = randomUUID();
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
        throw new ServiceError(400, 'UnknownOperationException', `expected POST with X-Amz-Target: ${TARGET_PREFIX}<Operation>`);
      }
      const operation = target.slice(TARGET_PREFIX.length);
      // Admin operations authenticate before the body is even parsed, as AWS checks the signature first.
      const principal = operation.startsWith('Admin') ? this.authenticate(req, body) : undefined;
      const output = await this.dispatch(operation, parseInput(body), principal);
      sendJson(res, 200, output, headers);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      sendJson(res, error.status, { __type: error.code, message: error.message }, { ...headers, 'x-amzn-errortype': error.code });
    }
  }

  private async dispatch(operation: string, input: Input, principal: Principal | undefined): Promise<unknown> {
    // Quotas: a request over its category's rate is refused before any work (quotas.ts).
    // A rate is real time: the monotonic clock, not the (test-movable) clock of tokens and codes.
    if (!this.#quotas.admit(operation, performance.now())) {
      denied(this.deps.logger, { service: 'cognito-idp', who: 'caller', action: operation, reason: 'over the request rate quota of its category' });
      throw new ServiceError(400, 'TooManyRequestsException', 'Rate exceeded');
    }
    switch (operation) {
      case 'SignUp': {
        const { pool, client } = this.client(input);
        return pool.signUp(client, { username: input.Username, password: input.Password, attributes: input.UserAttributes });
      }
      case 'ConfirmSignUp': {
        const { pool, client } = this.client(input);
        return pool.confirmSignUp(client, { username: input.Username, code: input.ConfirmationCode, forceAliasCreation: input.ForceAliasCreation });
      }
      case 'ResendConfirmationCode': {
        const { pool, client } = this.client(input);
        return pool.resendConfirmationCode(client, { username: input.Username });
      }
      case 'InitiateAuth':
        return this.initiateAuth(input);
      case 'RespondToAuthChallenge': {
        const { pool, client } = this.client(input);
        if (input.ChallengeName !== 'PASSWORD_VERIFIER') {
          throw new ServiceError(400, 'InvalidParameterException', `ChallengeName ${String(input.ChallengeName)} is not emulated (PASSWORD_VERIFIER is)`);
        }
        return pool.respondToPasswordVerifier(client, input.Session, stringMap(input.ChallengeResponses, 'ChallengeResponses'));
      }
      case 'GetUser':
        return (await this.poolOfAccessToken(input, 'GetUser')).getUser(input.AccessToken as string);
      case 'GlobalSignOut':
        return (await this.poolOfAccessToken(input, 'GlobalSignOut')).globalSignOut(input.AccessToken as string);
      case 'RevokeToken': {
        const { pool, client } = this.client(input);
        if (typeof input.Token !== 'string' || input.Token === '') throw new ServiceError(400, 'InvalidParameterException', 'Missing required parameter Token');
        return pool.revokeToken(client, input.Token);
      }
      case 'AdminConfirmSignUp': {
        if (principal === undefined) throw new Error('Admin operations are authenticated before dispatch');
        const pool = this.authorizedPool(principal, 'cognito-idp:AdminConfirmSignUp', input);
        return pool.adminConfirmSignUp({ username: input.Username });
      }
      default:
        throw new ServiceError(
          400,
          'UnknownOperationException',
          `${operation} is not emulated (SignUp, ConfirmSignUp, ResendConfirmationCode, AdminConfirmSignUp, InitiateAuth, RespondToAuthChallenge, GetUser, GlobalSignOut and RevokeToken are)`,
        );
    }
  }

  private async initiateAuth(input: Input): Promise<unknown> {
    const { pool, client } = this.client(input);
    const requested = input.AuthFlow;
    const flow = typeof requested === 'string' ? FLOW_ALIASES[requested] : undefined;
    if (flow === undefined) {
      throw new ServiceError(
        400,
        'InvalidParameterException',
        `AuthFlow ${String(requested)} is not emulated (USER_SRP_AUTH, USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH are)`,
      );
    }
    // Cognito: a flow must be in the client's ExplicitAuthFlows, otherwise "<FLOW> flow not enabled for this client".
    if (!client.authFlows.includes(flow)) throw new ServiceError(400, 'InvalidParameterException', `${flow} flow not enabled for this client`);
    const parameters = stringMap(input.AuthParameters, 'AuthParameters');
    if (flow === 'USER_SRP_AUTH') return pool.startSrp(client, parameters);
    if (flow === 'USER_PASSWORD_AUTH') return pool.passwordAuth(client, parameters);
    return pool.refresh(client, parameters);
  }

  private client(input: Input): { pool: LocalUserPool; client: UserPoolClientConfig } {
    const clientId = input.ClientId;
    if (typeof clientId !== 'string' || clientId === '') throw new ServiceError(400, 'InvalidParameterException', 'Missing required parameter ClientId');
    const found = this.#clients.get(clientId);
    if (found === undefined) throw new ServiceError(400, 'ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
    return found;
  }

  /** The pool whose issuer the token names; its signature is then checked with that pool's key only. */
  private async poolOfAccessToken(input: Input, operation: string): Promise<LocalUserPool> {
    const token = input.AccessToken;
    if (typeof token !== 'string' || token === '') throw new ServiceError(400, 'InvalidParameterException', 'Missing required parameter AccessToken');
    const iss = unverifiedIssuer(token);
    const pool = [...this.#pools.values()].find((p) => this.issuer(p.id) === iss);
    if (pool === undefined) {
      denied(this.deps.logger, {
        service: 'cognito-idp',
        who: 'access token',
        action: operation,
        reason: `no local user pool has the issuer ${iss ?? '(none: not a JWT)'}`,
      });
      throw new ServiceError(400, 'NotAuthorizedException', 'Invalid Access Token');
    }
    return pool;
  }

  private authenticate(req: IncomingMessage, body: Buffer): Principal {
    return authenticateRequest(req, body, 'cognito-idp', this.deps.account, this.deps.now());
  }

  /** IAM first (on the ARN the request names), then the pool must exist. */
  private authorizedPool(principal: Principal, action: string, input: Input): LocalUserPool {
    const userPoolId = input.UserPoolId;
    if (typeof userPoolId !== 'string' || userPoolId === '') throw new ServiceError(400, 'InvalidParameterException', 'Missing required parameter UserPoolId');
    const { account } = this.deps;
    const resource = `arn:aws:cognito-idp:${account.region}:${account.accountId}:userpool/${userPoolId}`;
    const decision = account.authorize(principal, action, resource);
    if (!decision.allowed) {
      denied(this.deps.logger, { service: 'cognito-idp', who: describePrincipal(principal), action, resource, reason: decision.reason });
      const why =
        decision.effect === 'ExplicitDeny'
          ? 'with an explicit deny in an identity-based policy'
          : `because no identity-based policy allows the ${action} action`;
      throw new ServiceError(400, 'AccessDeniedException', `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
    }
    const pool = this.#pools.get(userPoolId);
    if (pool === undefined) throw new ServiceError(400, 'ResourceNotFoundException', `User pool ${userPoolId} does not exist.`);
    return pool;
  }
}

function parseInput(body: Buffer): Input {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new ServiceError(400, 'SerializationException', 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ServiceError(400, 'SerializationException', 'the request body must be a JSON object');
  return parsed as Input;
}

function stringMap(value: unknown, name: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new ServiceError(400, 'InvalidParameterException', `${name} must be a map of strings`);
  }
  return value as Record<string, string>;
}
