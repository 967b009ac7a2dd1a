/**
 * One local user pool: its users, sign-ins and tokens, with Cognito's rules and error names (Amazon Cognito user
 * pools API reference, https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/). Operations take
 * already-parsed input and throw ServiceError with the code and message Cognito answers.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { ServiceError } from '../../http/service-error.js';
import { denied, type EmulatorLogger } from '../../log.js';
import type { UserPoolClientConfig, UserPoolConfig } from './config.js';
import { checkPassword } from './password-policy.js';
import {
  createPasswordVerifier,
  createServerChallenge,
  isValidClientPublic,
  parseSrpTimestamp,
  passwordClaimSignature,
  passwordMatches,
  poolNameOf,
  type ServerChallenge,
  serverSessionKey,
  signaturesMatch,
} from './srp.js';
import type { StoredPool, StoredSession, StoredUser, UserPoolStore } from './store.js';
import { hashToken, newRefreshToken, type PoolTokenSigner } from './tokens.js';

export interface AuthenticationResult {
  AccessToken: string;
  ExpiresIn: number;
  TokenType: 'Bearer';
  IdToken: string;
  RefreshToken?: string;
}

export type InitiateAuthOutput =
  | { ChallengeParameters: Record<string, never>; AuthenticationResult: AuthenticationResult }
  | { ChallengeName: 'PASSWORD_VERIFIER'; Session: string; ChallengeParameters: Record<string, string> };

interface CodeDeliveryDetails {
  Destination: string;
  DeliveryMedium: 'EMAIL';
  AttributeName: 'email';
}

/** An SRP exchange between InitiateAuth and RespondToAuthChallenge. */
interface PendingSrp {
  clientId: string;
  session: string;
  /** Undefined for a user that does not exist (PreventUserExistenceErrors answers with a decoy challenge). */
  userKey: string | undefined;
  userIdForSrp: string;
  A: bigint;
  challenge: ServerChallenge;
  verifier: string;
  expiresAt: number;
}

export interface UserPoolDependencies {
  config: UserPoolConfig;
  store: UserPoolStore;
  signer: PoolTokenSigner;
  logger: EmulatorLogger;
  now: () => Date;
  /** `<emulator URL>/<poolId>`, read when a token is issued or checked (the URL is known once the server listens). */
  issuer: () => string;
}

const INCORRECT_CREDENTIALS = 'Incorrect username or password.';
/** SignUp API reference, Username: 1-128 characters of `[\p{L}\p{M}\p{S}\p{N}\p{P}]+` (no whitespace). */
const USERNAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
/** Cognito developer guide, "Confirming user accounts": a sign-up confirmation code is valid for 24 hours. */
const CONFIRMATION_CODE_VALIDITY_MS = 24 * 3600 * 1000;
/** UserPoolClientType.AuthSessionValidity: 3 minutes by default (between InitiateAuth and its challenge response). */
const AUTH_SESSION_VALIDITY_MS = 3 * 60 * 1000;

const userKeyOf = (username: string) => username.toLowerCase();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class LocalUserPool {
  readonly #pending = new Map<string, PendingSrp>();
  readonly #poolName: string;

  constructor(private readonly deps: UserPoolDependencies) {
    this.#poolName = poolNameOf(deps.config.userPoolId);
  }

  get id(): string {
    return this.deps.config.userPoolId;
  }

  /** The pool's settings and app clients (clients are added to it when they are created). */
  get config(): UserPoolConfig {
    return this.deps.config;
  }

  /** What `/<poolId>/.well-known/jwks.json` serves: the ID and access token keys. */
  jwks(): ReturnType<PoolTokenSigner['jwks']> {
    return this.deps.signer.jwks();
  }

  private get data(): StoredPool {
    return this.deps.store.pool(this.id);
  }

  // --- sign-up ---------------------------------------------------------------------------------------------------

  signUp(
    client: UserPoolClientConfig,
    input: { username: unknown; password: unknown; attributes: unknown },
  ): { UserConfirmed: boolean; UserSub: string; CodeDeliveryDetails?: CodeDeliveryDetails } {
    const username = validUsername(input.username);
    const attributes = validAttributes(input.attributes);
    // Cognito: PreventUserExistenceErrors does not apply to SignUp, which always says the name is taken.
    if (this.data.users[userKeyOf(username)] !== undefined) throw new ServiceError(400, 'UsernameExistsException', 'User already exists');
    const password = checkPassword(this.deps.config.passwordPolicy, input.password);
    const user = this.createUser(username, password, attributes, this.deps.config.autoConfirm ? 'CONFIRMED' : 'UNCONFIRMED');
    this.deps.logger.log({
      level: 'info',
      message: 'cognito-idp SignUp',
      userPoolId: this.id,
      clientId: client.clientId,
      username,
      confirmed: user.status === 'CONFIRMED',
    });
    if (user.status === 'CONFIRMED') return { UserConfirmed: true, UserSub: user.sub };
    const delivery = this.sendConfirmationCode(user);
    return { UserConfirmed: false, UserSub: user.sub, ...(delivery ? { CodeDeliveryDetails: delivery } : {}) };
  }

  /** Seeding (not an AWS operation): a confirmed user, unless one of that name exists. Returns whether it was created. */
  ensureConfirmedUser(username: string, password: string, attributes: Record<string, string> = {}): boolean {
    if (this.data.users[userKeyOf(validUsername(username))] !== undefined) return false;
    this.createUser(username, checkPassword(this.deps.config.passwordPolicy, password), attributes, 'CONFIRMED');
    return true;
  }

  /**
   * Local testing shortcut (not an AWS operation; served only as the local API's `/dev/cognito-token`): signs in a
   * user without a password, creating them confirmed (with an unusable random password) if they do not exist, so
   * scripts and tests get real ID tokens of this pool without going through SRP.
   */
  async devSignIn(clientId: string, username: string): Promise<AuthenticationResult> {
    const client = this.deps.config.clients.find((c) => c.clientId === clientId);
    if (client === undefined) throw new ServiceError(400, 'ResourceNotFoundException', `no app client ${clientId} in ${this.id}`);
    const key = userKeyOf(validUsername(username));
    if (this.data.users[key] === undefined) this.createUser(username, `${randomUUID()}Aa1!`, {}, 'CONFIRMED');
    return this.signIn(client, this.data.users[key]!);
  }

  confirmSignUp(client: UserPoolClientConfig, input: { username: unknown; code: unknown }): Record<string, never> {
    const username = validUsername(input.username);
    if (typeof input.code !== 'string' || !/^\S{1,2048}$/.test(input.code)) {
      throw new ServiceError(
        400,
        'InvalidParameterException',
        "1 validation error detected: Value at 'confirmationCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+",
      );
    }
    const user = this.data.users[userKeyOf(username)];
    if (user === undefined) {
      // PreventUserExistenceErrors: an unknown user looks like a wrong code.
      if (client.preventUserExistenceErrors) throw new ServiceError(400, 'CodeMismatchException', 'Invalid verification code provided, please try again.');
      throw new ServiceError(400, 'UserNotFoundException', 'Username/client id combination not found.');
    }
    if (user.status === 'CONFIRMED') throw new ServiceError(400, 'NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    const pending = user.confirmation;
    if (pending === undefined || sha256(input.code) !== pending.codeHash) {
      denied(this.deps.logger, {
        service: 'cognito-idp',
        who: user.username,
        action: 'ConfirmSignUp',
        resource: this.id,
        reason: 'the confirmation code does not match',
      });
      throw new ServiceError(400, 'CodeMismatchException', 'Invalid verification code provided, please try again.');
    }
    if (Date.parse(pending.expiresAt) <= this.deps.now().getTime())
      throw new ServiceError(400, 'ExpiredCodeException', 'Invalid code provided, please request a code again.');
    this.confirm(user);
    return {};
  }

  resendConfirmationCode(client: UserPoolClientConfig, input: { username: unknown }): { CodeDeliveryDetails?: CodeDeliveryDetails } {
    const username = validUsername(input.username);
    const user = this.data.users[userKeyOf(username)];
    if (user === undefined) {
      if (client.preventUserExistenceErrors) return {};
      throw new ServiceError(400, 'UserNotFoundException', 'Username/client id combination not found.');
    }
    if (user.status === 'CONFIRMED') throw new ServiceError(400, 'InvalidParameterException', 'User is already confirmed.');
    const delivery = this.sendConfirmationCode(user);
    return delivery ? { CodeDeliveryDetails: delivery } : {};
  }

  /** AdminConfirmSignUp (the caller is authorized by IAM before this). */
  adminConfirmSignUp(input: { username: unknown }): Record<string, never> {
    const user = this.data.users[userKeyOf(validUsername(input.username))];
    if (user === undefined) throw new ServiceError(400, 'UserNotFoundException', 'User does not exist.');
    if (user.status === 'CONFIRMED') throw new ServiceError(400, 'NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    this.confirm(user);
    return {};
  }

  // --- sign-in ---------------------------------------------------------------------------------------------------

  async passwordAuth(client: UserPoolClientConfig, parameters: Record<string, string>): Promise<InitiateAuthOutput> {
    const username = required(parameters, 'USERNAME');
    const password = required(parameters, 'PASSWORD');
    const user = this.data.users[userKeyOf(username)];
    if (user === undefined) return this.unknownUser(client, username, 'USER_PASSWORD_AUTH');
    if (!passwordMatches(this.#poolName, user.username, password, user)) {
      denied(this.deps.logger, {
        service: 'cognito-idp',
        who: user.username,
        action: 'InitiateAuth USER_PASSWORD_AUTH',
        resource: this.id,
        reason: 'incorrect password',
      });
      throw new ServiceError(400, 'NotAuthorizedException', INCORRECT_CREDENTIALS);
    }
    return { ChallengeParameters: {}, AuthenticationResult: await this.signIn(client, user) };
  }

  /** USER_SRP_AUTH, step 1: the server's B, the salt, and a single-use secret block naming this exchange. */
  startSrp(client: UserPoolClientConfig, parameters: Record<string, string>): InitiateAuthOutput {
    const username = required(parameters, 'USERNAME');
    const srpA = required(parameters, 'SRP_A');
    if (!/^[0-9a-fA-F]{1,2048}$/.test(srpA)) throw new ServiceError(400, 'InvalidParameterException', 'SRP_A must be a hexadecimal number');
    const A = BigInt(`0x${srpA}`);
    if (!isValidClientPublic(A)) throw new ServiceError(400, 'InvalidParameterException', 'SRP_A is invalid (A mod N is 0)');
    this.prunePending();
    const user = this.data.users[userKeyOf(username)];
    if (user === undefined && !client.preventUserExistenceErrors) throw new ServiceError(400, 'UserNotFoundException', 'User does not exist.');
    // A decoy verifier for an unknown user: the exchange fails at the signature, as a wrong password would.
    const verifier = user ?? createPasswordVerifier(this.#poolName, username, randomBytes(16).toString('hex'));
    const challenge = createServerChallenge(verifier.verifier);
    const secretBlock = randomBytes(96).toString('base64');
    const session = randomBytes(48).toString('base64url');
    const userIdForSrp = user?.username ?? username;
    this.#pending.set(secretBlock, {
      clientId: client.clientId,
      session,
      userKey: user ? userKeyOf(user.username) : undefined,
      userIdForSrp,
      A,
      challenge,
      verifier: verifier.verifier,
      expiresAt: this.deps.now().getTime() + AUTH_SESSION_VALIDITY_MS,
    });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      Session: session,
      ChallengeParameters: {
        SALT: verifier.salt,
        SECRET_BLOCK: secretBlock,
        SRP_B: challenge.B.toString(16),
        USERNAME: userIdForSrp,
        USER_ID_FOR_SRP: userIdForSrp,
      },
    };
  }

  /** USER_SRP_AUTH, step 2 (RespondToAuthChallenge PASSWORD_VERIFIER): the client proves it knows the password. */
  async respondToPasswordVerifier(client: UserPoolClientConfig, session: unknown, responses: Record<string, string>): Promise<InitiateAuthOutput> {
    const username = required(responses, 'USERNAME');
    const secretBlock = required(responses, 'PASSWORD_CLAIM_SECRET_BLOCK');
    const signature = required(responses, 'PASSWORD_CLAIM_SIGNATURE');
    const timestamp = required(responses, 'TIMESTAMP');
    const pending = this.#pending.get(secretBlock);
    // Single use: a replayed or second answer finds nothing.
    this.#pending.delete(secretBlock);
    if (pending === undefined || pending.clientId !== client.clientId || (session !== undefined && session !== pending.session)) {
      throw new ServiceError(400, 'NotAuthorizedException', 'Invalid session for the user.');
    }
    if (pending.expiresAt <= this.deps.now().getTime())
      throw new ServiceError(400, 'NotAuthorizedException', 'Invalid session for the user, session is expired.');
    // Amplify and amazon-cognito-identity-js send "ddd MMM D HH:mm:ss UTC YYYY". No clock-skew window is applied:
    // the secret block is single-use and short-lived, which is what keeps a captured answer from being replayed.
    if (parseSrpTimestamp(timestamp) === undefined)
      throw new ServiceError(400, 'InvalidParameterException', `TIMESTAMP must look like "Tue Mar 4 09:05:01 UTC 2025", got ${JSON.stringify(timestamp)}`);
    const user = pending.userKey === undefined ? undefined : this.data.users[pending.userKey];
    const key = serverSessionKey(pending.A, pending.challenge, pending.verifier);
    const expected = passwordClaimSignature(key, this.#poolName, pending.userIdForSrp, Buffer.from(secretBlock, 'base64'), timestamp);
    if (user === undefined || userKeyOf(username) !== userKeyOf(pending.userIdForSrp) || !signaturesMatch(expected, signature)) {
      denied(this.deps.logger, {
        service: 'cognito-idp',
        who: pending.userIdForSrp,
        action: 'RespondToAuthChallenge PASSWORD_VERIFIER',
        resource: this.id,
        reason: user ? 'the password claim signature does not match (wrong password)' : 'no such user',
      });
      throw new ServiceError(400, 'NotAuthorizedException', INCORRECT_CREDENTIALS);
    }
    return { ChallengeParameters: {}, AuthenticationResult: await this.signIn(client, user) };
  }

  async refresh(client: UserPoolClientConfig, parameters: Record<string, string>): Promise<InitiateAuthOutput> {
    const token = required(parameters, 'REFRESH_TOKEN');
    const session = this.sessionByRefreshToken(token);
    if (session === undefined || session.clientId !== client.clientId) throw new ServiceError(400, 'NotAuthorizedException', 'Invalid Refresh Token');
    if (session.revokedAt !== undefined) throw new ServiceError(400, 'NotAuthorizedException', 'Refresh Token has been revoked');
    if (Date.parse(session.expiresAt) <= this.deps.now().getTime()) throw new ServiceError(400, 'NotAuthorizedException', 'Refresh Token has expired');
    const user = this.data.users[session.userKey];
    if (user === undefined) throw new ServiceError(400, 'NotAuthorizedException', 'User does not exist.');
    // REFRESH_TOKEN_AUTH returns new ID and access tokens of the same sign-in (origin_jti, auth_time) and, without
    // refresh token rotation, no new refresh token.
    const tokens = await this.deps.signer.issue(this.deps.issuer(), user, session, this.deps.now(), client.tokenValiditySeconds);
    return {
      ChallengeParameters: {},
      AuthenticationResult: { AccessToken: tokens.accessToken, ExpiresIn: client.tokenValiditySeconds, TokenType: 'Bearer', IdToken: tokens.idToken },
    };
  }

  // --- token-authorized operations -------------------------------------------------------------------------------

  async getUser(accessToken: string): Promise<{ Username: string; UserAttributes: Array<{ Name: string; Value: string }> }> {
    const { user } = await this.authorizeAccessToken(accessToken, 'GetUser');
    return {
      Username: user.username,
      UserAttributes: [{ Name: 'sub', Value: user.sub }, ...Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value }))],
    };
  }

  /** GlobalSignOut: every refresh token of the user is revoked, and with it every access token issued from them. */
  async globalSignOut(accessToken: string): Promise<Record<string, never>> {
    const { user } = await this.authorizeAccessToken(accessToken, 'GlobalSignOut');
    const userKey = userKeyOf(user.username);
    const revokedAt = this.deps.now().toISOString();
    let count = 0;
    for (const session of Object.values(this.data.sessions)) {
      if (session.userKey === userKey && session.revokedAt === undefined) {
        session.revokedAt = revokedAt;
        count += 1;
      }
    }
    this.persist();
    this.deps.logger.log({ level: 'info', message: 'cognito-idp GlobalSignOut', userPoolId: this.id, username: user.username, revokedSessions: count });
    return {};
  }

  /**
   * RevokeToken: revokes one refresh token and the access tokens issued from it. Amplify's signOut() calls it when
   * the access token has origin_jti. An unknown token is not an error (OAuth 2.0 token revocation, RFC 7009 2.2).
   */
  revokeToken(client: UserPoolClientConfig, token: string): Record<string, never> {
    const session = this.sessionByRefreshToken(token);
    if (session === undefined) return {};
    if (session.clientId !== client.clientId) throw new ServiceError(400, 'UnauthorizedException', 'The refresh token was not issued to this client.');
    session.revokedAt ??= this.deps.now().toISOString();
    this.persist();
    return {};
  }

  /** Signature and claims, then Cognito's server-side state: the sign-in must not be revoked, the user must exist. */
  async authorizeAccessToken(token: string, operation: string): Promise<{ user: StoredUser; session: StoredSession }> {
    const check = await this.deps.signer.verifyAccessToken(token, this.deps.issuer(), this.deps.now());
    const refuse = (message: string, reason: string) => {
      denied(this.deps.logger, { service: 'cognito-idp', who: 'access token', action: operation, resource: this.id, reason });
      return new ServiceError(400, 'NotAuthorizedException', message);
    };
    if (!check.ok) throw refuse(check.reason === 'expired' ? 'Access Token has expired' : 'Invalid Access Token', check.detail);
    const session = this.data.sessions[check.originJti];
    if (session === undefined || session.clientId !== check.clientId) throw refuse('Invalid Access Token', 'no sign-in of this pool has that origin_jti');
    if (session.revokedAt !== undefined) throw refuse('Access Token has been revoked', `its sign-in was revoked at ${session.revokedAt}`);
    const user = this.data.users[session.userKey];
    if (user === undefined || user.sub !== check.sub) throw new ServiceError(400, 'UserNotFoundException', 'User does not exist.');
    return { user, session };
  }

  // --- internals -------------------------------------------------------------------------------------------------

  private createUser(username: string, password: string, attributes: Record<string, string>, status: StoredUser['status']): StoredUser {
    const { salt, verifier } = createPasswordVerifier(this.#poolName, username, password);
    const user: StoredUser = { username, sub: randomUUID(), status, salt, verifier, attributes, createdAt: this.deps.now().toISOString() };
    this.data.users[userKeyOf(username)] = user;
    this.persist();
    return user;
  }

  private confirm(user: StoredUser): void {
    user.status = 'CONFIRMED';
    delete user.confirmation;
    this.persist();
    this.deps.logger.log({ level: 'info', message: 'cognito-idp user confirmed', userPoolId: this.id, username: user.username });
  }

  /** Locally there is no email: the code goes to the emulator log, where the developer reads it. */
  private sendConfirmationCode(user: StoredUser): CodeDeliveryDetails | undefined {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    user.confirmation = { codeHash: sha256(code), expiresAt: new Date(this.deps.now().getTime() + CONFIRMATION_CODE_VALIDITY_MS).toISOString() };
    this.persist();
    this.deps.logger.log({
      level: 'info',
      message: 'cognito-idp confirmation code (no email is sent locally)',
      userPoolId: this.id,
      username: user.username,
      code,
    });
    const email = user.attributes.email;
    return email === undefined ? undefined : { Destination: maskEmail(email), DeliveryMedium: 'EMAIL', AttributeName: 'email' };
  }

  private unknownUser(client: UserPoolClientConfig, username: string, flow: string): never {
    denied(this.deps.logger, { service: 'cognito-idp', who: username, action: `InitiateAuth ${flow}`, resource: this.id, reason: 'no such user' });
    if (client.preventUserExistenceErrors) throw new ServiceError(400, 'NotAuthorizedException', INCORRECT_CREDENTIALS);
    throw new ServiceError(400, 'UserNotFoundException', 'User does not exist.');
  }

  /** Password verified: an unconfirmed user stops here; otherwise a new sign-in with its three tokens. */
  private async signIn(client: UserPoolClientConfig, user: StoredUser): Promise<AuthenticationResult> {
    if (user.status !== 'CONFIRMED') throw new ServiceError(400, 'UserNotConfirmedException', 'User is not confirmed.');
    const now = this.deps.now();
    const refreshToken = newRefreshToken();
    const session: StoredSession = {
      originJti: randomUUID(),
      userKey: userKeyOf(user.username),
      clientId: client.clientId,
      authTime: Math.floor(now.getTime() / 1000),
      refreshTokenHash: hashToken(refreshToken),
      expiresAt: new Date(now.getTime() + client.refreshTokenValiditySeconds * 1000).toISOString(),
    };
    this.data.sessions[session.originJti] = session;
    this.pruneSessions();
    this.persist();
    const tokens = await this.deps.signer.issue(this.deps.issuer(), user, session, now, client.tokenValiditySeconds);
    this.deps.logger.log({ level: 'info', message: 'cognito-idp sign-in', userPoolId: this.id, clientId: client.clientId, username: user.username });
    return {
      AccessToken: tokens.accessToken,
      ExpiresIn: client.tokenValiditySeconds,
      TokenType: 'Bearer',
      IdToken: tokens.idToken,
      RefreshToken: refreshToken,
    };
  }

  private sessionByRefreshToken(token: string): StoredSession | undefined {
    const hash = hashToken(token);
    return Object.values(this.data.sessions).find((s) => s.refreshTokenHash === hash);
  }

  /** Sign-ins whose refresh token has expired can no longer be used or revoked: drop them. */
  private pruneSessions(): void {
    const now = this.deps.now().getTime();
    for (const [id, session] of Object.entries(this.data.sessions)) if (Date.parse(session.expiresAt) <= now) delete this.data.sessions[id];
  }

  private prunePending(): void {
    const now = this.deps.now().getTime();
    for (const [key, pending] of this.#pending) if (pending.expiresAt <= now) this.#pending.delete(key);
  }

  private persist(): void {
    this.deps.store.save();
  }
}

function required(parameters: Record<string, string>, name: string): string {
  const value = parameters[name];
  if (typeof value !== 'string' || value === '') throw new ServiceError(400, 'InvalidParameterException', `Missing required parameter ${name}`);
  return value;
}

function validUsername(value: unknown): string {
  if (typeof value !== 'string' || !USERNAME.test(value)) {
    throw new ServiceError(
      400,
      'InvalidParameterException',
      "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+ and have length 1 to 128",
    );
  }
  return value;
}

/** UserAttributes: [{Name, Value}]; `sub` is Cognito's and cannot be set (AttributeType, SignUp). */
function validAttributes(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value)) throw new ServiceError(400, 'InvalidParameterException', 'UserAttributes must be a list of {Name, Value}');
  const attributes: Record<string, string> = {};
  for (const entry of value as unknown[]) {
    const { Name: name, Value: attributeValue } = (entry ?? {}) as { Name?: unknown; Value?: unknown };
    if (
      typeof name !== 'string' ||
      !/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,32}$/u.test(name) ||
      (attributeValue !== undefined && typeof attributeValue !== 'string')
    ) {
      throw new ServiceError(400, 'InvalidParameterException', 'Every user attribute needs a Name (1-32 characters) and a string Value');
    }
    if (name === 'sub') throw new ServiceError(400, 'InvalidParameterException', 'Attribute sub cannot be set: Amazon Cognito assigns it.');
    attributes[name] = attributeValue ?? '';
  }
  return attributes;
}

/** CodeDeliveryDetails.Destination is masked the way Cognito masks it: `e***@e***`. */
function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
}
