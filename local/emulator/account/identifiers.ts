/**
 * IAM and STS identifiers, built in one place for every path that names a principal: STS AssumeRole, Cognito
 * Identity's AssumeRoleWithWebIdentity, the role sessions the Lambda service starts, and GetCallerIdentity.
 */
import { createHash } from 'node:crypto';

/**
 * IAM: unique ids are 21 characters, a 4-character prefix naming the kind (AROA role, AIDA user) and 17 more.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
 * The 17 are drawn from A-Z and 2-7 (base32), the alphabet AWS's own ids and access key ids use.
 */
export type UniqueIdPrefix = 'AROA' | 'AIDA';
const UNIQUE_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const UNIQUE_ID_BODY_LENGTH = 17;

/** STS: RoleSessionName is 2 to 64 characters of [\w+=,.@-] (AssumeRole API reference, RoleSessionName). */
export const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * The unique id of an IAM role or user. AWS draws it at creation and keeps it for the entity's life; the emulator
 * derives it from the ARN so the same role has the same id in every run.
 */
export function uniqueId(prefix: UniqueIdPrefix, entityArn: string): string {
  const digest = createHash('sha256').update(entityArn).digest();
  let body = '';
  for (const byte of digest.subarray(0, UNIQUE_ID_BODY_LENGTH)) body += UNIQUE_ID_ALPHABET.charAt(byte % UNIQUE_ID_ALPHABET.length);
  return prefix + body;
}

export interface AssumedRoleUser {
  /** `arn:aws:sts::<account>:assumed-role/<RoleName>/<RoleSessionName>` */
  arn: string;
  /** `<RoleId>:<RoleSessionName>`, RoleId being the role's AROA unique id. */
  assumedRoleId: string;
}

/**
 * STS: the identifiers of a role session, as AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity return them.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumedRoleUser.html (AssumedRoleId "contains the role ID and
 * the role session name"; the AssumeRole example answers `ARO123EXAMPLE123:Bob` and
 * `arn:aws:sts::123456789012:assumed-role/demo/Bob`), https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
export function assumedRoleUser(accountId: string, role: { name: string; arn: string }, sessionName: string): AssumedRoleUser {
  if (!/^\d{12}$/.test(accountId)) throw new Error(`account id ${JSON.stringify(accountId)} is not 12 digits`);
  if (!ROLE_SESSION_NAME.test(sessionName)) {
    throw new Error(`role session name ${JSON.stringify(sessionName)} is not 2 to 64 characters of [\\w+=,.@-]`);
  }
  return {
    arn: `arn:aws:sts::${accountId}:assumed-role/${role.name}/${sessionName}`,
    assumedRoleId: `${uniqueId('AROA', role.arn)}:${sessionName}`,
  };
}
