/**
 * Errors in the wire protocol the caller speaks, and the one answer for anything the emulator does not implement.
 *
 * AWS's three request protocols are told apart by the request itself (Smithy protocol specifications, as the SDKs and
 * botocore implement them): `X-Amz-Target` names the operation of a JSON protocol service (awsJson1_0/1_1, error
 * `{"__type": code, "message"}`); an `application/x-www-form-urlencoded` body or an `Action=` query is the Query
 * protocol (awsQuery, error `<ErrorResponse><Error><Type><Code><Message></Error><RequestId>`, which botocore and the
 * SDKs parse for the code); anything else is a REST protocol, whose JSON error names its code in `x-amzn-errortype`.
 *
 * Not emulated: HTTP 501 Not Implemented, with the code AWS answers for an operation an endpoint does not know in
 * that protocol: `UnknownOperationException` for JSON and REST-JSON (DynamoDB and the other Coral JSON services answer
 * it for an unknown `X-Amz-Target`), `InvalidAction` for Query ("The action or operation requested is invalid", HTTP
 * 400 in AWS's Common Errors, e.g. https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html). No AWS
 * operation models either code among its errors, so no script can take the answer for a normal outcome ("no such
 * retained message", "no such policy" are ResourceNotFoundException, 404); and 501 is a status no AWS operation answers
 * and the SDKs do not retry (their transient statuses are 500, 502, 503, 504: @smithy/core's
 * TRANSIENT_ERROR_STATUS_CODES, botocore's standard retry mode), so a client fails at once with the explanation.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeXml, sendXml } from './io.js';

export type WireProtocol = 'query' | 'json' | 'rest-json';

export function protocolOf(req: IncomingMessage): WireProtocol {
  if (typeof req.headers['x-amz-target'] === 'string') return 'json';
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('application/x-www-form-urlencoded')) return 'query';
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if (q !== -1 && new URLSearchParams(url.slice(q + 1)).has('Action')) return 'query';
  return 'rest-json';
}

/** An error as the caller's protocol spells it. */
export function sendProtocolError(res: ServerResponse, protocol: WireProtocol, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  if (protocol === 'query') {
    const type = status >= 500 && status !== 501 ? 'Receiver' : 'Sender';
    sendXml(
      res,
      status,
      `<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      requestId,
    );
    return;
  }
  const body = JSON.stringify(protocol === 'json' ? { __type: code, message } : { message });
  res.writeHead(status, {
    'content-type': protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': code,
  });
  res.end(body);
}

/** The code for "the emulator does not implement this" in each protocol (see the header comment). */
export const NOT_EMULATED_CODE: Record<WireProtocol, string> = {
  query: 'InvalidAction',
  json: 'UnknownOperationException',
  'rest-json': 'UnknownOperationException',
};

/** 501 with the protocol's unknown-operation code and a message that says what is emulated instead. */
export function sendNotEmulated(res: ServerResponse, protocol: WireProtocol, message: string): void {
  sendProtocolError(res, protocol, 501, NOT_EMULATED_CODE[protocol], `${message} (the local emulator does not implement it)`);
}

/** Thrown by a service for a route it does not emulate; its handler answers it with sendNotEmulated. */
export class NotEmulatedError extends Error {
  override readonly name = 'NotEmulatedError';
}
