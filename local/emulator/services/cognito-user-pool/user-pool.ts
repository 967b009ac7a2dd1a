/**
 * One local user pool: its users, sign-ins and tokens, with Cognito's rules and error names (Amazon Cognito user
 * pools API reference, https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/). Operations take
 * already-parsed input and throw ServiceError with the code and message Cognito answers. The SRP math runs on worker
 * threads (srp-pool.ts); an unknown user's sign-in does the same work as a real one's, against a decoy.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { ServiceError } from '../../http/service-error.js';
import { denied, type EmulatorLogger } from '../../log.js';
import { longestTokenSeconds, type UserPoolClientConfig, type UserPoolConfig } from './config.js';
import { ConfirmationAttempts, SignInLockout } from './lockout.js';
import { checkPassword } from './password-policy.js';
import { createPasswordVerifier, isValidClientPublic, parseSrpTimestamp, poolNameOf } from './srp.js';
import type { SrpJob, SrpResults } from './srp-jobs.js';
import { SrpPoolBusyError } from './srp-pool.js';
import type { StoredPool, StoredSession, StoredUser, UserPoolStore } from './store.js';
import { hashToken, newRefreshToken, type PoolTokenSigner } from './tokens.js';
import { EMAIL, UserDirectory } from './users.js';

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
  attemptKey: string;
  userIdForSrp: string;
  A: string;
  b: string;
  B: string;
  verifier: string;
  expiresAt: number;
}

/** Runs an SRP job off the event loop (srp-pool.ts); tests may run it inline. */
export type SrpRunner = <J extends SrpJob>(job: J) => Promise<SrpResults[J['kind']]>;

export interface UserPoolDependencies {
  config: UserPoolConfig;
  store: UserPoolStore;
  signer: PoolTokenSigner;
  logger: EmulatorLogger;
  now: () => Date;
  /** `<emulator URL>/<poolId>`, read when a token is issued or checked (the URL is known once the server listens). */
  issuer: () => string;
  srp: SrpRunner;
  /** SRP exchanges waiting for their answer, at most (over it InitiateAuth is refused, never an exchange dropped). */
  maxPendingSrp?: number;
}

const INCORRECT_CREDENTIALS = 'Incorrect username or password.';
/** Developer guide, lockout behaviour: attempts during a lockout "generate a Password attempts exceeded exception". */
const ATTEMPTS_EXCEEDED = 'Password attempts exceeded';
/** SignUp API reference, Username: 1-128 characters of `[\p{L}\p{M}\p{S}\p{N}\p{P}]+` (no whitespace). */
const USERNAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
/** Cognito developer guide, "Confirming user accounts": a sign-up confirmation code is valid for 24 hours. */
const CONFIRMATION_CODE_VALIDITY_MS = 24 * 3600 * 1000;
/** Local bound: about 180 s (the longest session) of the UserAuthentication quota's 120 InitiateAuth a second. */
export const MAX_PENDING_SRP = 20_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const throttled = () => new ServiceError(400, 'TooManyRequestsException', 'Rate exceeded');

export class LocalUserPool {
  readonly #pending = new Map<string, PendingSrp>();
  readonly #poolName: string;
  readonly #users: UserDirectory;
  readonly #lockout = new SignInLockout();
  readonly #codeAttempts = new ConfirmationAttempts();

  constructor(private readonly deps: UserPoolDependencies) {
    this.#poolName = poolNameOf(deps.config.userPoolId);
    this.#users = new UserDirectory(
      deps.config,
      () => this.data,
      () => {
        this.data.decoyKey ??= randomBytes(32).toString('hex');
        return this.data.decoyKey;
      },
    );
  }

  get id(): string {
    return this.deps.config.userPoolId;
  }

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

  async signUp(
    client: UserPoolClientConfig,
    input: { username: unknown; password: unknown; attributes: unknown },
  ): Promise<{ UserConfirmed: boolean; UserSub: string; CodeDeliveryDetails?: CodeDeliveryDetails }> {
    // AdminCreateUserConfig.AllowAdminCreateUserOnly: "only the administrator is allowed to create user profiles".
    if (this.config.allowAdminCreateUserOnly) throw new ServiceError(400, 'NotAuthorizedException', 'SignUp is not permitted for this user pool');
    const signUpName = validUsername(input.username);
    const attributes = validAttributes(input.attributes);
    const { username, attributes: withEmail } = this.signUpIdentity(signUpName, attributes);
    const password = checkPassword(this.config.passwordPolicy, input.password);
    const { salt, verifier } = await this.compute({ kind: 'verifier', poolName: this.#poolName, username, password });
    // Checked after the await: another sign-up of the same name may have finished meanwhile.
    this.assertAvailable(username, withEmail);
    const user = this.addUser(username, { salt, verifier }, withEmail, 'UNCONFIRMED');
    this.deps.logger.log({ level: 'info', message: 'cognito-idp SignUp', userPoolId: this.id, clientId: client.clientId, username: user.username });
    const delivery = this.sendConfirmationCode(user);
    return { UserConfirmed: false, UserSub: user.sub, ...(delivery ? { CodeDeliveryDetails: delivery } : {}) };
  }

  /**
   * Seeding (not an AWS operation): a confirmed user whose sign-in name is `signInName` (an email in an
   * email-username pool), unless one exists. The verifier is computed here: seeding is local set-up, not a request.
   */
  ensureConfirmedUser(signInName: string, password: string, attributes: Record<string, string> = {}): boolean {
    if (this.#users.resolve(validUsername(signInName)) !== undefined) return false;
    const { email_verified: _ignored, ...rest } = attributes;
    const { username, attributes: withEmail } = this.signUpIdentity(signInName, rest);
    // Seeded users are set up as an administrator would (AdminCreateUser with email_verified): their email is verified.
    const verified = withEmail.email === undefined ? withEmail : { ...withEmail, email_verified: 'true' };
    const verifier = createPasswordVerifier(this.#poolName, username, checkPassword(this.config.passwordPolicy, password));
    this.addUser(username, verifier, verified, 'CONFIRMED');
    return true;
  }

  /**
   * Local testing shortcut (not an AWS operation; served only as the local API's `/dev/cognito-token`): signs in a
   * user without a password, creating them confirmed (with an unusable random password) if they do not exist. In a
   * pool whose usernames are emails, a name that is not one stands for `<name>@example.com` (RFC 2606).
   */
  async devSignIn(clientId: string, name: string): Promise<AuthenticationResult> {
    const client = this.config.clients.find((c) => c.clientId === clientId);
    if (client === undefined) throw new ServiceError(400, 'ResourceNotFoundException', `no app client ${clientId} in ${this.id}`);
    const signInName = this.#users.emailIsUsername && !EMAIL.test(name) ? `${validUsername(name)}@example.com` : validUsername(name);
    if (this.#users.resolve(signInName) === undefined) this.ensureConfirmedUser(signInName, `${randomUUID()}Aa1!`);
    const user = this.#users.resolve(signInName);
    if (user === undefined) throw new Error(`devSignIn could not create ${signInName}`);
    return this.signIn(client, user);
  }

  async confirmSignUp(client: UserPoolClientConfig, input: { username: unknown; code: unknown; forceAliasCreation: unknown }): Promise<Record<string, never>> {
    const name = validUsername(input.username);
    if (typeof input.code !== 'string' || !/^\S{1,2048}$/.test(input.code)) {
      throw new ServiceError(
        400,
        'InvalidParameterException',
        "1 validation error detected: Value at 'confirmationCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+",
      );
    }
    const user = this.#users.resolve(name);
    const attemptKey = this.#users.attemptKey(user, name);
    const now = this.deps.now().getTime();
    if (user === undefined && !client.preventUserExistenceErrors)
      throw new ServiceError(400, 'UserNotFoundException', 'Username/client id combination not found.');
    // Too many wrong codes: refused before the code is even compared (an unknown name is counted the same way).
    if (!this.#codeAttempts.allowed(attemptKey, now))
      throw new ServiceError(400, 'LimitExceededException', 'Attempt limit exceeded, please try after some time.');
    if (user?.status === 'CONFIRMED') throw new ServiceError(400, 'NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    const pending = user?.confirmation;
    if (user === undefined || pending === undefined || sha256(input.code) !== pending.codeHash) {
      this.#codeAttempts.fail(attemptKey, now);
      denied(this.deps.logger, {
        service: 'cognito-idp',
        who: user?.username ?? name,
        action: 'ConfirmSignUp',
        resource: this.id,
        reason: user === undefined ? 'no such user' : 'the confirmation code does not match',
      });
      // PreventUserExistenceErrors: an unknown user looks like a wrong code.
      throw new ServiceError(400, 'CodeMismatchException', 'Invalid verification code provided, please try again.');
    }
    if (Date.parse(pending.expiresAt) <= now) throw new ServiceError(400, 'ExpiredCodeException', 'Invalid code provided, please request a code again.');
    if (pending.verifies === 'email' && this.#users.emailIsAlias) this.claimEmailAlias(user, input.forceAliasCreation === true);
    this.#codeAttempts.succeed(attemptKey);
    this.confirm(user, pending.verifies === 'email');
    return {};
  }

  resendConfirmationCode(client: UserPoolClientConfig, input: { username: unknown }): { CodeDeliveryDetails?: CodeDeliveryDetails } {
    const name = validUsername(input.username);
    const user = this.#users.resolve(name);
    if (user === undefined) {
      if (!client.preventUserExistenceErrors) throw new ServiceError(400, 'UserNotFoundException', 'Username/client id combination not found.');
      // Provider docs, prevent_user_existence_errors: "account confirmation ... return a response indicating a code
      // was sent to a simulated destination".
      return EMAIL.test(name) && this.config.autoVerifiedAttributes.includes('email')
        ? { CodeDeliveryDetails: { Destination: maskEmail(name), DeliveryMedium: 'EMAIL', AttributeName: 'email' } }
        : {};
    }
    if (user.status === 'CONFIRMED') throw new ServiceError(400, 'InvalidParameterException', 'User is already confirmed.');
    const delivery = this.sendConfirmationCode(user);
    if (delivery === undefined) throw new ServiceError(400, 'InvalidParameterException', 'Cannot resend codes. Auto verification not turned on.');
    return { CodeDeliveryDetails: delivery };
  }

  /** AdminConfirmSignUp (the caller is authorized by IAM before this). */
  adminConfirmSignUp(input: { username: unknown }): Record<string, never> {
    const user = this.#users.resolve(validUsername(input.username));
    if (user === undefined) throw new ServiceError(400, 'UserNotFoundException', 'User does not exist.');
    if (user.status === 'CONFIRMED') throw new ServiceError(400, 'NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    // An administrator confirms the account, not the email: email_verified stays as it was.
    this.confirm(user, false);
    return {};
  }

  // --- sign-in ---------------------------------------------------------------------------------------------------

  async passwordAuth(client: UserPoolClientConfig, parameters: Record<string, string>): Promise<InitiateAuthOutput> {
    const name = required(parameters, 'USERNAME');
    const password = required(parameters, 'PASSWORD');
    const user = this.#users.resolve(name);
    if (user === undefined && !client.preventUserExistenceErrors) return this.unknownUser(name, 'USER_PASSWORD_AUTH');
    const attemptKey = this.#users.attemptKey(user, name);
    if (this.#lockout.isLocked(attemptKey, this.deps.now().getTime())) throw new ServiceError(400, 'NotAuthorizedException', ATTEMPTS_EXCEEDED);
    // The same work for an unknown name as for a real one: the password against a decoy verifier.
    const against = user ?? this.#users.decoy(name);
    const matches = await this.compute({
      kind: 'password',
      poolName: this.#poolName,
      username: against.username,
      password,
      salt: against.salt,
      verifier: against.verifier,
    });
    if (user === undefined || !matches) {
      this.#lockout.fail(attemptKey, this.deps.now().getTime());
      denied(this.deps.logger, {
        service: 'cognito-idp',
        who: user?.username ?? name,
        action: 'InitiateAuth USER_PASSWORD_AUTH',
        resource: this.id,
        reason: user === undefined ? 'no such user' : 'incorrect password',
      });
      throw new ServiceError(400, 'NotAuthorizedException', INCORRECT_CREDENTIALS);
    }
    this.#lockout.succeed(attemptKey);
    return { ChallengeParameters: {}, AuthenticationResult: await this.signIn(client, user) };
  }

  /** USER_SRP_AUTH, step 1: the server's B, the salt, and a single-use secret block naming this exchange. */
  async startSrp(client: UserPoolClientConfig, parameters: Record<string, string>): Promise<InitiateAuthOutput> {
    const name = required(parameters, 'USERNAME');
    const srpA = required(parameters, 'SRP_A');
    if (!/^[0-9a-fA-F]{1,2048}$/.test(srpA)) throw new ServiceError(400, 'InvalidParameterException', 'SRP_A must be a hexadecimal number');
    if (!isValidClientPublic(BigInt(`0x${srpA}`))) throw new ServiceError(400, 'InvalidParameterException', 'SRP_A is invalid (A mod N is 0)');
    this.prunePending();
    if (this.#pending.size >= (this.deps.maxPendingSrp ?? MAX_PENDING_SRP)) throw throttled();
    const user = this.#users.resolve(name);
    if (user === undefined && !client.preventUserExistenceErrors) throw new ServiceError(400, 'UserNotFoundException', 'User does not exist.');
    // A decoy for an unknown user: the same work, a stable salt, and a failure at the signature like a wrong password.
    const against = user ?? this.#users.decoy(name);
    const { b, B } = await this.compute({ kind: 'challenge', verifier: against.verifier });
    if (this.#pending.size >= (this.deps.maxPendingSrp ?? MAX_PENDING_SRP)) throw throttled();
    const secretBlock = randomBytes(96).toString('base64');
    const session = randomBytes(48).toString('base64url');
    this.#pending.set(secretBlock, {
      clientId: client.clientId,
      session,
      userKey: user ? this.#users.keyOf(user.username) : undefined,
      attemptKey: this.#users.attemptKey(user, name),
      userIdForSrp: against.username,
      A: srpA,
      b,
      B,
      verifier: against.verifier,
      expiresAt: this.deps.now().getTime() + client.authSessionValiditySeconds * 1000,
    });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      Session: session,
      ChallengeParameters: {
        SALT: against.salt,
        SECRET_BLOCK: secretBlock,
        SRP_B: B,
        USERNAME: against.username,
        USER_ID_FOR_SRP: against.username,
      },
    };
  }

  /** USER_SRP_AUTH, step 2 (RespondToAuthChallenge PASSWORD_VERIFIER): the client proves it knows the password. */
  async respondToPasswordVerifier(client: UserPoolClientConfig, session: unknown, responses: Record<string, string>): Promise<InitiateAuthOutput> {
    const name = required(responses, 'USERNAME');
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
    if (this.#lockout.isLocked(pending.attemptKey, this.deps.now().getTime())) throw new ServiceError(400, 'NotAuthorizedException', ATTEMPTS_EXCEEDED);
    const user = pending.userKey === undefined ? undefined : this.data.users[pending.userKey];
    // USERNAME may be the username or a name standing for it (the email): it must designate the same user.
    const sameName =
      user === undefined ? this.#users.fold(name) === this.#users.fold(pending.userIdForSrp) : this.#users.resolve(name)?.username === user.username;
    const matches = await this.compute({
      kind: 'claim',
      A: pending.A,
      b: pending.b,
      B: pending.B,
      verifier: pending.verifier,
      poolName: this.#poolName,
      userIdForSrp: pending.userIdForSrp,
      secretBlock,
      timestamp,
      signature,
    });
    if (user === undefined || !sameName || !matches) {
      this.#lockout.fail(pending.attemptKey, this.deps.now().getTime());
      denied(this.deps.logger, {
        service: 'cognito-idp',
        who: pending.userIdForSrp,
        action: 'RespondToAuthChallenge PASSWORD_VERIFIER',
        resource: this.id,
        reason: user ? 'the password claim signature does not match (wrong password)' : 'no such user',
      });
      throw new ServiceError(400, 'NotAuthorizedException', INCORRECT_CREDENTIALS);
    }
    this.#lockout.succeed(pending.attemptKey);
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
    const tokens = await this.deps.signer.issue(this.deps.issuer(), user, session, this.deps.now(), validityOf(client));
    return {
      ChallengeParameters: {},
      AuthenticationResult: { AccessToken: tokens.accessToken, ExpiresIn: client.accessTokenValiditySeconds, TokenType: 'Bearer', IdToken: tokens.idToken },
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

  /** GlobalSignOut: every refresh token of the user is revoked, and with it every access and ID token issued from them. */
  async globalSignOut(accessToken: string): Promise<Record<string, never>> {
    const { user } = await this.authorizeAccessToken(accessToken, 'GlobalSignOut');
    const userKey = this.#users.keyOf(user.username);
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
    // RevokeToken API reference: UnsupportedOperationException when token revocation is not enabled for the client.
    if (!client.enableTokenRevocation) throw new ServiceError(400, 'UnsupportedOperationException', 'Token revocation is not enabled for this app client.');
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
    if (user === undefined || user.sub !== check.sub) throw refuse('Invalid Access Token', 'the user of this sign-in no longer exists');
    return { user, session };
  }

  /**
   * ServerSideTokenCheck (identity pools): is the sign-in of an ID token, whose signature and claims the caller has
   * verified, still valid here? False once the user signed out globally or its refresh token was revoked, or when the
   * user no longer exists (CognitoIdentityProvider.ServerSideTokenCheck; GlobalSignOut API reference).
   */
  isIdTokenSignInActive(claims: { sub: string; originJti: string | undefined; clientId: string }): boolean {
    if (claims.originJti === undefined) return false;
    const session = this.data.sessions[claims.originJti];
    if (session === undefined || session.revokedAt !== undefined || session.clientId !== claims.clientId) return false;
    return this.data.users[session.userKey]?.sub === claims.sub;
  }

  // --- internals -------------------------------------------------------------------------------------------------

  private async compute<J extends SrpJob>(job: J): Promise<SrpResults[J['kind']]> {
    try {
      return await this.deps.srp(job);
    } catch (error) {
      // The workers are saturated: shed this request with Cognito's throttling error instead of queueing without end.
      if (error instanceof SrpPoolBusyError) throw throttled();
      throw error;
    }
  }

  /**
   * The username and attributes of a new user from the name it signs up with (developer guide, "User pool
   * attributes"): an email-username pool generates the username (the sub) and sets `email` from the name; an
   * email-alias pool refuses a username in email format.
   */
  private signUpIdentity(signUpName: string, attributes: Record<string, string>): { username: string; attributes: Record<string, string> } {
    for (const name of ['email_verified', 'phone_number_verified']) {
      // Attribute write permissions: an app client cannot set verification flags ("A client attempted to write
      // unauthorized attribute").
      if (name in attributes) throw new ServiceError(400, 'NotAuthorizedException', 'A client attempted to write unauthorized attribute');
    }
    if (this.config.aliasAttributes.includes('preferred_username') && 'preferred_username' in attributes) {
      // "If preferred_username is selected as an alias, the value ... cannot be provided during registration."
      throw new ServiceError(400, 'InvalidParameterException', 'preferred_username cannot be set during sign-up: the pool uses it as an alias.');
    }
    if (attributes.email !== undefined && !EMAIL.test(attributes.email))
      throw new ServiceError(400, 'InvalidParameterException', 'Invalid email address format.');
    if (this.#users.emailIsUsername) {
      if (!EMAIL.test(signUpName)) throw new ServiceError(400, 'InvalidParameterException', 'Username should be an email.');
      if (attributes.email !== undefined && this.#users.fold(attributes.email) !== this.#users.fold(signUpName)) {
        // Cognito fills `email` from the username; a different one would be two emails for one user (AWS is
        // silent on this case, so it is refused).
        throw new ServiceError(400, 'InvalidParameterException', 'The email attribute must be the username in a pool whose usernames are emails.');
      }
      const username = randomUUID();
      return { username, attributes: { ...attributes, email: signUpName, email_verified: 'false' } };
    }
    if (this.#users.emailIsAlias && EMAIL.test(signUpName)) {
      throw new ServiceError(400, 'InvalidParameterException', 'Username cannot be of email format, since user pool is configured for email alias.');
    }
    // A user's email starts unverified (the ID token says email_verified: false until a code confirms it).
    return { username: signUpName, attributes: attributes.email === undefined ? attributes : { ...attributes, email_verified: 'false' } };
  }

  private assertAvailable(username: string, attributes: Record<string, string>): void {
    // PreventUserExistenceErrors does not apply to SignUp, which always says the name is taken.
    if (this.#users.byUsername(username) !== undefined) throw new ServiceError(400, 'UsernameExistsException', 'User already exists');
    if (this.#users.emailIsUsername && attributes.email !== undefined && this.#users.withEmail(attributes.email, false) !== undefined) {
      throw new ServiceError(400, 'UsernameExistsException', 'An account with the given email already exists.');
    }
  }

  private addUser(
    username: string,
    verifier: { salt: string; verifier: string },
    attributes: Record<string, string>,
    status: StoredUser['status'],
  ): StoredUser {
    // In an email-username pool the username is the sub (SignUp "uses it as the immutable username attribute").
    const sub = this.#users.emailIsUsername ? username : randomUUID();
    const user: StoredUser = { username, sub, status, salt: verifier.salt, verifier: verifier.verifier, attributes, createdAt: this.deps.now().toISOString() };
    this.#users.add(user);
    this.persist();
    return user;
  }

  /**
   * An email alias is one verified user's only (developer guide, "Aliases"): confirming it for a second user fails
   * with AliasExistsException, unless ForceAliasCreation moves it, marking it unverified for the first user.
   */
  private claimEmailAlias(user: StoredUser, force: boolean): void {
    const email = user.attributes.email;
    if (email === undefined) return;
    const holder = this.#users.withEmail(email, true);
    if (holder === undefined || holder.username === user.username) return;
    if (!force) throw new ServiceError(400, 'AliasExistsException', 'An account with the given email already exists.');
    this.#users.setEmailVerified(holder, false);
  }

  private confirm(user: StoredUser, emailVerified: boolean): void {
    user.status = 'CONFIRMED';
    if (emailVerified) this.#users.setEmailVerified(user, true);
    delete user.confirmation;
    this.persist();
    this.deps.logger.log({ level: 'info', message: 'cognito-idp user confirmed', userPoolId: this.id, username: user.username });
  }

  /**
   * AutoVerifiedAttributes = [email]: a code is sent to the user's email. Locally there is no email: the code goes to
   * the emulator log, where the developer reads it. Without an auto-verified email, no code is sent and an
   * administrator confirms the user (AdminConfirmSignUp).
   */
  private sendConfirmationCode(user: StoredUser): CodeDeliveryDetails | undefined {
    const email = user.attributes.email;
    if (email === undefined || !this.config.autoVerifiedAttributes.includes('email')) return undefined;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    user.confirmation = {
      codeHash: sha256(code),
      expiresAt: new Date(this.deps.now().getTime() + CONFIRMATION_CODE_VALIDITY_MS).toISOString(),
      verifies: 'email',
    };
    this.persist();
    this.deps.logger.log({
      level: 'info',
      message: 'cognito-idp confirmation code (no email is sent locally)',
      callout: `Confirmation code for ${user.username} (${email}): ${code}   (no email is sent locally)`,
      userPoolId: this.id,
      username: user.username,
      email,
      code,
    });
    return { Destination: maskEmail(email), DeliveryMedium: 'EMAIL', AttributeName: 'email' };
  }

  private unknownUser(name: string, flow: string): never {
    denied(this.deps.logger, { service: 'cognito-idp', who: name, action: `InitiateAuth ${flow}`, resource: this.id, reason: 'no such user' });
    throw new ServiceError(400, 'UserNotFoundException', 'User does not exist.');
  }

  /** Password verified: an unconfirmed user stops here; otherwise a new sign-in with its three tokens. */
  private async signIn(client: UserPoolClientConfig, user: StoredUser): Promise<AuthenticationResult> {
    if (user.status !== 'CONFIRMED') throw new ServiceError(400, 'UserNotConfirmedException', 'User is not confirmed.');
    const now = this.deps.now();
    const refreshToken = newRefreshToken();
    const session: StoredSession = {
      originJti: randomUUID(),
      userKey: this.#users.keyOf(user.username),
      clientId: client.clientId,
      authTime: Math.floor(now.getTime() / 1000),
      refreshTokenHash: hashToken(refreshToken),
      expiresAt: new Date(now.getTime() + client.refreshTokenValiditySeconds * 1000).toISOString(),
    };
    this.data.sessions[session.originJti] = session;
    this.pruneSessions();
    this.persist();
    const tokens = await this.deps.signer.issue(this.deps.issuer(), user, session, now, validityOf(client));
    this.deps.logger.log({ level: 'info', message: 'cognito-idp sign-in', userPoolId: this.id, clientId: client.clientId, username: user.username });
    return {
      AccessToken: tokens.accessToken,
      ExpiresIn: client.accessTokenValiditySeconds,
      TokenType: 'Bearer',
      IdToken: tokens.idToken,
      RefreshToken: refreshToken,
    };
  }

  private sessionByRefreshToken(token: string): StoredSession | undefined {
    const hash = hashToken(token);
    return Object.values(this.data.sessions).find((s) => s.refreshTokenHash === hash);
  }

  /**
   * A sign-in is forgotten once its refresh token has expired and every ID or access token it can have issued has
   * expired too (until then its revocation must still be answered, for ServerSideTokenCheck among others).
   */
  private pruneSessions(): void {
    const keepMs = longestTokenSeconds(this.config) * 1000;
    const now = this.deps.now().getTime();
    for (const [id, session] of Object.entries(this.data.sessions)) if (Date.parse(session.expiresAt) + keepMs <= now) delete this.data.sessions[id];
  }

  private prunePending(): void {
    const now = this.deps.now().getTime();
    for (const [key, pending] of this.#pending) if (pending.expiresAt <= now) this.#pending.delete(key);
  }

  private persist(): void {
    this.deps.store.save();
  }
}

function validityOf(client: UserPoolClientConfig): { idSeconds: number; accessSeconds: number } {
  return { idSeconds: client.idTokenValiditySeconds, accessSeconds: client.accessTokenValiditySeconds };
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
  if (value.length > 100) throw new ServiceError(400, 'InvalidParameterException', 'Too many user attributes');
  const attributes: Record<string, string> = {};
  for (const entry of value as unknown[]) {
    const { Name: name, Value: attributeValue } = (entry ?? {}) as { Name?: unknown; Value?: unknown };
    if (
      typeof name !== 'string' ||
      !/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,32}$/u.test(name) ||
      (attributeValue !== undefined && (typeof attributeValue !== 'string' || attributeValue.length > 2048))
    ) {
      throw new ServiceError(
        400,
        'InvalidParameterException',
        'Every user attribute needs a Name (1-32 characters) and a string Value (at most 2048 characters)',
      );
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
