/** SigV4 header authentication shared by STS, the IoT control plane and the IoT data plane. */
import type { IncomingMessage } from 'node:http';
import type { LocalAccount } from '../account/account.js';
import { CredentialsError } from '../account/credentials.js';
import type { Principal } from '../account/principal.js';
import { headerSignedRequestFrom } from '../auth/node-request.js';
import { SignatureError, verifyAuthorizationHeader } from '../auth/sigv4.js';
import { ServiceError } from './service-error.js';

const STATUS_AND_CODE: Record<string, [number, string]> = {
  MissingAuthentication: [403, 'MissingAuthenticationTokenException'],
  IncompleteSignature: [403, 'IncompleteSignatureException'],
  InvalidAlgorithm: [403, 'IncompleteSignatureException'],
  InvalidScope: [403, 'SignatureDoesNotMatch'],
  RequestExpired: [403, 'RequestExpired'],
  RequestNotYetValid: [403, 'RequestExpired'],
  UnknownAccessKey: [403, 'UnrecognizedClientException'],
  SignatureDoesNotMatch: [403, 'SignatureDoesNotMatch'],
  MissingSessionToken: [403, 'UnrecognizedClientException'],
  InvalidSessionToken: [403, 'UnrecognizedClientException'],
  ExpiredToken: [403, 'ExpiredTokenException'],
};

export function authenticateRequest(req: IncomingMessage, body: Buffer, service: string, account: LocalAccount, now: Date): Principal {
  try {
    const verified = verifyAuthorizationHeader(
      headerSignedRequestFrom(req, body),
      { services: [service], region: account.region },
      (id) => account.credentials.secretFor(id),
      now,
    );
    return account.credentials.resolve(verified.scope.accessKeyId, verified.securityToken, now).principal;
  } catch (error) {
    if (error instanceof SignatureError || error instanceof CredentialsError) {
      const [status, code] = STATUS_AND_CODE[error.code] ?? [403, 'AccessDeniedException'];
      throw new ServiceError(status, code, error.message);
    }
    throw error;
  }
}
