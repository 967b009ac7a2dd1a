/**
 * `npm run example:notify -- --to alice "Invoice ready"`: a producer outside the web app (any service of yours would
 * do the same) puts a notification event on the local stack's event bus, with the emulator's admin keys; the bus's rule
 * hands it to the notify function, and the page shows it live.
 *
 *   --to <userId>      one user (their notifications topic)
 *   --room <roomId>    the members of a room (their inbox of that room)
 *   --everyone         everyone, guests included (broadcast)
 *   --type <type>      the app-defined type (default "demo.message")
 *   --source <source>  who notifies (default "com.example.cli")
 * Emulator: http://127.0.0.1:<LOCAL_AWS_PORT, default 4510>.
 */
import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeNotifier, InvalidNotificationError, NotifyFailedError } from '@iot-realtime/realtime-server';
import type { NotificationRecipient } from '../core/contracts/notifications.js';
import { eventBusName } from '../core/event-rules.js';
import { DEFAULT_EMULATOR_PORT, LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT } from '../local/local-deployment.js';

const USAGE = 'usage: npm run example:notify -- (--to <userId> | --room <roomId> | --everyone) [--type <type>] [--source <source>] "<text>"';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      room: { type: 'string' },
      everyone: { type: 'boolean' },
      type: { type: 'string', default: 'demo.message' },
      source: { type: 'string', default: 'com.example.cli' },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
const recipients = [values.to !== undefined, values.room !== undefined, values.everyone === true].filter(Boolean).length;
if (recipients !== 1) fail('name exactly one recipient: --to, --room or --everyone');
const text = positionals.join(' ').trim();
if (!text) fail('give the text of the notification');
const to: NotificationRecipient =
  values.to !== undefined ? { kind: 'user', userId: values.to } : values.room !== undefined ? { kind: 'room', roomId: values.room } : { kind: 'everyone' };

const port = Number(process.env.LOCAL_AWS_PORT ?? DEFAULT_EMULATOR_PORT);
const endpoint = `http://127.0.0.1:${port}`;
const notifier = new EventBridgeNotifier<Record<string, { text: string }>>({
  eventBusName: eventBusName(LOCAL_DEPLOYMENT),
  source: values.source!,
  client: new EventBridgeClient({ region: LOCAL_DEPLOYMENT.region, endpoint, credentials: LOCAL_ADMIN_CREDENTIALS, maxAttempts: 1 }),
});
try {
  const { eventId } = await notifier.notify({ to, type: values.type!, data: { text } });
  process.stdout.write(`put on ${eventBusName(LOCAL_DEPLOYMENT)} at ${endpoint}: event ${eventId} (${values.type} to ${JSON.stringify(to)})\n`);
} catch (error) {
  if (error instanceof InvalidNotificationError) fail(error.message);
  if (error instanceof NotifyFailedError) {
    const unreachable =
      error.cause instanceof Error && /ECONNREFUSED|fetch failed/.test(`${error.cause.message} ${String((error.cause as { code?: unknown }).code)}`);
    process.stderr.write(unreachable ? `no local stack at ${endpoint}: start it with npm start (or set LOCAL_AWS_PORT)\n` : `${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
