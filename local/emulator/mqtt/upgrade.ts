/**
 * Step 1 of authentication: the WebSocket upgrade of `GET /mqtt`, where IoT Core checks the SigV4 presigned URL.
 * IoT: a bad, stale or foreign-host signature fails the upgrade with HTTP 403 (docs/aws-iot-facts.md section 1;
 * https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html, "MQTT over WebSocket").
 * Local, not AWS: a browser page from an origin that is not configured cannot open the socket (403), so any web page
 * the developer visits cannot reach the emulator with credentials it obtained; clients without `Origin` (SDKs,
 * Node) are not browsers and pass.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LocalAccount } from '../account/account.js';
import { CredentialsError } from '../account/credentials.js';
import type { Principal } from '../account/principal.js';
import { headerLinesByName } from '../auth/node-request.js';
import { SignatureError, verifyPresignedUrl } from '../auth/sigv4.js';
import { isAllowedOrigin } from '../http/origins.js';
import { denied, type EmulatorLogger, LogBudget } from '../log.js';

/** IoT: the SDK's MQTT 3.1.1 client asks for `mqttv3.1`, its MQTT5 client and most docs for `mqtt`. */
export const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

/** The parts of the upgrade request the check reads (an `IncomingMessage` has them). */
export interface UpgradeRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
  /** Node's `rawHeaders` (one name, value pair per line): a repeated signed header is canonicalised as AWS does. */
  rawHeaders: readonly string[];
  socket: { remoteAddress?: string | undefined };
}

export type UpgradeVerdict = { accepted: true; principal: Principal; sourceIp: string } | { accepted: false; status: 400 | 403; message: string };

export interface UpgradeAuthenticatorOptions {
  account: LocalAccount;
  region: string;
  /** The endpoint host name DescribeEndpoint advertises; browsers sign it without the port. */
  advertisedHost: string;
  /** Browser origins allowed to open the socket (`*` for any); requests without `Origin` always pass. */
  allowedOrigins: readonly string[];
  logger: EmulatorLogger;
  now: () => Date;
}

export class UpgradeAuthenticator {
  /** Refusals are logged within one budget: a page or script retrying in a loop cannot flood the log. */
  readonly #refusals: LogBudget;

  constructor(private readonly options: UpgradeAuthenticatorOptions) {
    this.#refusals = new LogBudget(options.logger);
  }

  check(req: UpgradeRequest): UpgradeVerdict {
    const { account, region, advertisedHost, now } = this.options;
    const logger = this.#refusals;
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const sourceIp = req.socket.remoteAddress ?? 'unknown';
    const origin = req.headers.origin;
    if (origin !== undefined && !isAllowedOrigin(origin, this.options.allowedOrigins)) {
      denied(logger, {
        service: 'mqtt',
        who: sourceIp,
        action: 'WebSocket upgrade',
        resource: '/mqtt',
        reason: `origin ${origin} is not allowed (LOCAL_CORS_ORIGINS)`,
      });
      return { accepted: false, status: 403, message: `Forbidden: origin ${JSON.stringify(origin)} is not allowed to connect to the local emulator` };
    }
    let principal: Principal;
    try {
      const verified = verifyPresignedUrl(
        {
          method: req.method ?? 'GET',
          path: q === -1 ? rawUrl : rawUrl.slice(0, q),
          rawQuery: q === -1 ? '' : rawUrl.slice(q + 1),
          // IoT: the browser SDK signs the advertised host without the port; direct clients sign what they connect to.
          hostCandidates: [req.headers.host ?? '', advertisedHost].filter(Boolean),
          headers: headerLinesByName(req.rawHeaders),
        },
        { services: ['iotdevicegateway'], region },
        (id) => account.credentials.secretFor(id),
        now(),
      );
      // IoT: credentials are checked only here, at connect; expiring later does not close the connection.
      principal = account.credentials.resolve(verified.scope.accessKeyId, verified.securityToken, now()).principal;
    } catch (error) {
      if (!(error instanceof SignatureError) && !(error instanceof CredentialsError)) throw error;
      denied(logger, { service: 'mqtt', who: sourceIp, action: 'WebSocket upgrade', resource: '/mqtt', reason: `${error.code}: ${error.message}` });
      return { accepted: false, status: 403, message: `Forbidden: ${error.message}` };
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '');
    if (offered !== '' && !offered.split(',').some((p) => SUBPROTOCOLS.includes(p.trim()))) {
      return { accepted: false, status: 400, message: `Unsupported WebSocket subprotocol "${offered}": use "mqtt" or "mqttv3.1"` };
    }
    return { accepted: true, principal, sourceIp };
  }
}

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: 400 | 403 | 503, message: string): void {
  const reason = status === 403 ? 'Forbidden' : status === 503 ? 'Service Unavailable' : 'Bad Request';
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
