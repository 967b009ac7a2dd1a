/** EventBridgeNotifier against a mocked EventBridgeClient: entries, batching, per-entry retries and errors. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidNotificationError, NotifyFailedError } from './errors.js';
import { EventBridgeNotifier } from './eventbridge-notifier.js';

const eventBridge = mockClient(EventBridgeClient);
beforeEach(() => eventBridge.reset());

// An interface, as the README declares one (no implicit index signature: the generics must take it).
interface Types {
  'invoice.ready': { invoiceId: string };
  maintenance: null;
}
const notifier = () =>
  new EventBridgeNotifier<Types>({
    eventBusName: 'app-prod-events',
    source: 'com.example.billing',
    client: new EventBridgeClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAUNITTEST00000000', secretAccessKey: 'x' } }),
    retryDelayMs: 1,
  });
const entries = () => eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);

describe('EventBridgeNotifier', () => {
  it('puts one entry on the bus with the notification detail-type and the checked notification as detail', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    await expect(notifier().notify({ to: { kind: 'user', userId: 'alice' }, type: 'invoice.ready', data: { invoiceId: 'i-1' } })).resolves.toEqual({
      eventId: 'e-1',
    });
    expect(entries()).toEqual([
      [
        {
          EventBusName: 'app-prod-events',
          Source: 'com.example.billing',
          DetailType: 'Realtime Notification',
          Detail: JSON.stringify({ to: { kind: 'user', userId: 'alice' }, type: 'invoice.ready', data: { invoiceId: 'i-1' } }),
        },
      ],
    ]);
  });

  it('sends many in PutEvents calls of at most 10 entries and returns their event ids in order', async () => {
    let n = 0;
    eventBridge
      .on(PutEventsCommand)
      .callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: `e${n++}` })) }));
    const many = Array.from({ length: 23 }, () => ({ to: { kind: 'everyone' } as const, type: 'maintenance' as const, data: null }));
    const accepted = await notifier().notifyAll(many);
    expect(entries().map((e) => e.length)).toEqual([10, 10, 3]);
    expect(accepted.map((a) => a.eventId)).toEqual(Array.from({ length: 23 }, (_, i) => `e${i}`));
  });

  it('sends again only the entries EventBridge failed with a retryable code, then succeeds', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    const accepted = await notifier().notifyAll([
      { to: { kind: 'user', userId: 'alice' }, type: 'maintenance', data: null },
      { to: { kind: 'user', userId: 'bob' }, type: 'maintenance', data: null },
    ]);
    expect(accepted).toEqual([{ eventId: 'a' }, { eventId: 'b' }]);
    expect(entries()[1]).toHaveLength(1);
    expect(JSON.parse(entries()[1]![0]!.Detail!).to.userId).toBe('bob');
  });

  it('gives up on a retryable code after maxAttempts, and at once on a final one, with the code', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });
    const throttled = await notifier()
      .notify({ to: { kind: 'everyone' }, type: 'maintenance', data: null })
      .catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(NotifyFailedError);
    expect(throttled).toMatchObject({ code: 'ThrottlingException', retryable: true });
    expect(entries()).toHaveLength(3);

    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }] });
    await expect(notifier().notify({ to: { kind: 'everyone' }, type: 'maintenance', data: null })).rejects.toMatchObject({
      code: 'MalformedDetail',
      retryable: false,
    });
    expect(entries()).toHaveLength(1);
  });

  it('reports a refused call (AccessDeniedException) as final, with the SDK error as its cause', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform: events:PutEvents'), { name: 'AccessDeniedException' }));
    await expect(notifier().notify({ to: { kind: 'everyone' }, type: 'maintenance', data: null })).rejects.toMatchObject({
      name: 'NotifyFailedError',
      code: 'AccessDeniedException',
      retryable: false,
      cause: expect.objectContaining({ name: 'AccessDeniedException' }),
    });
  });

  it('checks every notification against the contract before sending anything', async () => {
    const bad = notifier().notifyAll([
      { to: { kind: 'user', userId: 'alice' }, type: 'maintenance', data: null },
      // @ts-expect-error: a kind the contract does not know
      { to: { kind: 'team', teamId: 't' }, type: 'maintenance', data: null },
    ]);
    await expect(bad).rejects.toBeInstanceOf(InvalidNotificationError);
    // The valid first one was not sent either: a batch is checked whole first.
    expect(entries()).toHaveLength(0);
    await expect(
      // @ts-expect-error: data of another type
      notifier().notify({ to: { kind: 'room', roomId: 'has space' }, type: 'invoice.ready', data: { invoiceId: 1 } }),
    ).rejects.toMatchObject({ problems: [expect.stringContaining('"to.roomId"')] });
  });
});
