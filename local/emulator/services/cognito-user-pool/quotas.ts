/**
 * Cognito's API request rate quotas for user pools (developer guide, "Quotas in Amazon Cognito",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html, "Amazon Cognito user pools API operation
 * categories and request rate quotas"): operations are grouped in categories, each with a quota in requests per second
 * "enforced for each AWS account across all user pools in an account and Region" (the emulator is one account and one
 * Region, so one set of buckets serves all its pools). Over the quota Cognito answers
 * `TooManyRequestsException: Rate exceeded`.
 *
 * Default quotas: UserAuthentication 120, UserCreation 50, UserAccountRecovery 30, UserRead 120, UserUpdate 25,
 * UserToken 120. RespondToAuthChallenge has "a separate quota that is three times the UserAuthentication category
 * limit"; beyond it "the excess rate will be counted towards the UserAuthentication category limit".
 *
 * Which category each emulated operation is in: InitiateAuth and RespondToAuthChallenge (UserAuthentication) and
 * SignUp, ConfirmSignUp, AdminConfirmSignUp (UserCreation) are named by the guide. GetUser (UserRead), GlobalSignOut
 * (UserUpdate), RevokeToken (UserToken) and ResendConfirmationCode (UserAccountRecovery) follow the category
 * descriptions ("retrieve a user", "manage users", "create, update, and delete your tokens", "recover a user's
 * account"); the table listing them is not in the copy of the guide available here (unverified).
 */

export type QuotaCategory = 'UserAuthentication' | 'UserCreation' | 'UserAccountRecovery' | 'UserRead' | 'UserUpdate' | 'UserToken';

export type UserPoolQuotas = Record<QuotaCategory, number>;

export const COGNITO_USER_POOL_QUOTAS: UserPoolQuotas = {
  UserAuthentication: 120,
  UserCreation: 50,
  UserAccountRecovery: 30,
  UserRead: 120,
  UserUpdate: 25,
  UserToken: 120,
};

export const OPERATION_CATEGORY: Readonly<Record<string, QuotaCategory>> = {
  InitiateAuth: 'UserAuthentication',
  RespondToAuthChallenge: 'UserAuthentication',
  SignUp: 'UserCreation',
  ConfirmSignUp: 'UserCreation',
  AdminConfirmSignUp: 'UserCreation',
  ResendConfirmationCode: 'UserAccountRecovery',
  GetUser: 'UserRead',
  GlobalSignOut: 'UserUpdate',
  RevokeToken: 'UserToken',
};

/** "three times the UserAuthentication category limit". */
const CHALLENGE_MULTIPLIER = 3;

/** A token bucket holding one second of the rate: a burst up to the quota, then the quota per second. */
class Bucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.#tokens = perSecond;
    this.#at = now;
  }

  take(now: number): boolean {
    this.#tokens = Math.min(this.perSecond, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export class UserPoolRequestQuotas {
  readonly #buckets = new Map<QuotaCategory, Bucket>();
  readonly #challenges: Bucket;

  constructor(quotas: UserPoolQuotas, now: number) {
    for (const [category, perSecond] of Object.entries(quotas) as Array<[QuotaCategory, number]>) {
      if (!(perSecond > 0)) throw new Error(`the ${category} quota must be a positive number of requests per second`);
      this.#buckets.set(category, new Bucket(perSecond, now));
    }
    this.#challenges = new Bucket(quotas.UserAuthentication * CHALLENGE_MULTIPLIER, now);
  }

  /** Counts one request of `operation`; false when it is over its category's quota. */
  admit(operation: string, now: number): boolean {
    const category = OPERATION_CATEGORY[operation];
    if (category === undefined) return true;
    if (operation === 'RespondToAuthChallenge' && this.#challenges.take(now)) return true;
    return this.#buckets.get(category)?.take(now) ?? true;
  }
}
