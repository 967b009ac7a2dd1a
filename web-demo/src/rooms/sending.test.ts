/** Sending: sending, echoed, not delivered with a retry, accepted without an echo. */
import { ApiError } from '../api.js';
import { RoomsModel } from '../rooms-model.js';
import { FakeNetwork, FakeRoomsApi, message, modelWith, settle, texts } from './fake-rooms-api.test-support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('sending', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member' }];
  });

  it("shows a message as sending at once, and as the user's own message (no longer outgoing) when its echo arrives", async () => {
    const model = modelWith(api);
    model.send('general', 'hello');
    expect(model.outbox('general')).toEqual([{ localId: 'local-1', key: expect.stringMatching(UUID), text: 'hello', status: 'sending' }]);
    await settle();
    expect(model.outbox('general')).toMatchObject([{ status: 'sending', messageId: api.posted[0]!.messageId }]);
    expect(model.receive('general', api.posted[0]!)).toBe(true);
    expect(model.outbox('general')).toEqual([]);
    expect(texts(model, 'general')).toEqual(['hello']);
  });

  it("matches an echo that comes before the API's answer by its text, once", async () => {
    const model = modelWith(api);
    model.send('general', 'same');
    model.send('general', 'same');
    model.receive('general', message('general', 'same', 'bob'));
    expect(model.outbox('general').map((o) => o.localId)).toEqual(['local-2']);
    await settle();
    expect(model.outbox('general')).toHaveLength(1);
    model.close(); // stops the timer of the one still waiting for its echo
  });

  it('reports a refused message (429 with when to retry) as not delivered, and sends it again on retry', async () => {
    const model = modelWith(api);
    api.postOutcome = new ApiError('Too many requests; try again in 12 s', 429, 'too_many_requests', 12);
    model.send('general', 'too fast');
    await settle();
    expect(model.outbox('general')).toEqual([
      { localId: 'local-1', key: expect.stringMatching(UUID), text: 'too fast', status: 'failed', error: 'Too many requests; try again in 12 s' },
    ]);
    api.postOutcome = 'store';
    model.retrySend('general', 'local-1');
    expect(model.outbox('general')[0]?.status).toBe('sending');
    await settle();
    // The same Idempotency-Key both times: an API that supports it returns the first result instead of a second message.
    expect(api.postKeys).toHaveLength(2);
    expect(api.postKeys[1]).toBe(api.postKeys[0]);
    model.receive('general', api.posted[0]!);
    expect(model.outbox('general')).toEqual([]);
  });

  it('offers no retry for a refusal no retry can change (403), and keeps the message to discard', async () => {
    const model = modelWith(api);
    api.postOutcome = new ApiError('Not allowed: you may not post here', 403, 'forbidden');
    model.send('general', 'refused');
    await settle();
    expect(model.outbox('general')).toEqual([
      { localId: 'local-1', key: expect.stringMatching(UUID), text: 'refused', status: 'failed', error: 'Not allowed: you may not post here', permanent: true },
    ]);
    api.postOutcome = 'store';
    model.retrySend('general', 'local-1');
    expect(api.postKeys).toHaveLength(1);
    model.discardSend('general', 'local-1');
    expect(model.outbox('general')).toEqual([]);
  });

  it('closes the room when a send is answered 404 (removed meanwhile), keeping the text that was not sent', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    model.open('general');
    await settle();
    api.postOutcome = new ApiError('Not found: room general does not exist, or you are not a member of it', 404, 'not_found');
    model.send('general', 'too late');
    await settle();
    expect(model.room('general')).toBeUndefined();
    expect(model.closedRoom).toEqual({
      roomId: 'general',
      name: 'General',
      text: 'General no longer exists, or you are no longer a member of it.',
      unsent: ['too late'],
    });
  });

  it('gives up on a send the API does not answer in time, saying it may not have been sent; discard removes it', async () => {
    const model = new RoomsModel(api, 'bob', { sendTimeoutMs: 20 });
    api.postOutcome = 'hang';
    model.send('general', 'into the void');
    await new Promise((r) => setTimeout(r, 60));
    expect(model.outbox('general')).toEqual([
      {
        localId: 'local-1',
        key: expect.stringMatching(UUID),
        text: 'into the void',
        status: 'failed',
        error: 'no answer from the server within 0 s; it may not have been sent',
      },
    ]);
    model.discardSend('general', 'local-1');
    expect(model.outbox('general')).toEqual([]);
  });

  it('says accepted (not "not delivered", which would invite a duplicate) when the API took it but the echo does not come', async () => {
    const model = new RoomsModel(api, 'bob', { sendTimeoutMs: 20 });
    model.send('general', 'no echo');
    await new Promise((r) => setTimeout(r, 60));
    expect(model.outbox('general')).toMatchObject([{ status: 'accepted', messageId: api.posted[0]!.messageId }]);
    // It arrives with the history after a reconnection: done.
    model.open('general');
    await settle();
    await model.catchUp();
    expect(model.outbox('general')).toEqual([]);
    expect(texts(model, 'general')).toEqual(['no echo']);
  });

  it('gives each message its own key', async () => {
    const model = modelWith(api);
    model.send('general', 'one');
    model.send('general', 'two');
    await settle();
    expect(new Set(api.postKeys).size).toBe(2);
    model.close();
  });
});

describe('sending while offline', () => {
  let api: FakeRoomsApi;
  let network: FakeNetwork;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member' }];
    network = new FakeNetwork();
  });

  it('queues a message written offline (no request, no error) and sends it once, with its key, when the network is back', async () => {
    const model = new RoomsModel(api, 'bob', { network });
    network.set(false);
    model.send('general', 'written offline');
    model.send('general', 'and another');
    expect(model.outbox('general').map((o) => [o.text, o.status, o.error])).toEqual([
      ['written offline', 'queued', undefined],
      ['and another', 'queued', undefined],
    ]);
    await settle();
    expect(api.calls).toEqual([]);
    network.set(true);
    network.set(true); // a second "online" event sends nothing twice
    expect(model.outbox('general').map((o) => o.status)).toEqual(['sending', 'sending']);
    await settle();
    expect(api.posted.map((m) => m.text)).toEqual(['written offline', 'and another']);
    expect(api.postKeys).toEqual(model.outbox('general').map((o) => o.key));
    for (const sent of api.posted) model.receive('general', sent);
    expect(model.outbox('general')).toEqual([]);
    expect(texts(model, 'general')).toEqual(['written offline', 'and another']);
    model.close();
  });

  it('queues a message whose request could not leave the device (it went offline meanwhile), and sends it again with the same key', async () => {
    const model = new RoomsModel(api, 'bob', { network });
    api.postOutcome = new ApiError('This device is offline: no network', 0, 'offline');
    model.send('general', 'in flight');
    network.set(false); // the browser's event comes as the request fails
    await settle();
    expect(api.calls).toEqual(['postMessage general']);
    expect(model.outbox('general')).toMatchObject([{ status: 'queued' }]);
    expect(model.outbox('general')[0]).not.toHaveProperty('error');
    api.postOutcome = 'store';
    network.set(true);
    await settle();
    expect(api.posted.map((m) => m.text)).toEqual(['in flight']);
    expect(api.postKeys).toHaveLength(2);
    expect(api.postKeys[1]).toBe(api.postKeys[0]);
    model.close();
  });

  it('sends a queue one message after another, in the order written, and a message written meanwhile after it', async () => {
    const model = new RoomsModel(api, 'bob', { network });
    network.set(false);
    for (const text of ['one', 'two', 'three']) model.send('general', text);
    api.postDelaysMs = [30, 0, 20];
    network.set(true);
    model.send('general', 'four'); // written as the queue goes out: after it
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(api.posted.map((m) => m.text)).toEqual(['one', 'two', 'three', 'four']);
    model.close();
  });

  it('stops sending the queue when the network goes again, and keeps the rest queued', async () => {
    const model = new RoomsModel(api, 'bob', { network });
    network.set(false);
    for (const text of ['one', 'two']) model.send('general', text);
    api.postDelaysMs = [20];
    network.set(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    network.set(false); // while "one" is on its way
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(api.posted.map((m) => m.text)).toEqual(['one']);
    expect(model.outbox('general').map((o) => [o.text, o.status])).toEqual([
      ['one', 'sending'],
      ['two', 'queued'],
    ]);
    network.set(true);
    await settle();
    expect(api.posted.map((m) => m.text)).toEqual(['one', 'two']);
    model.close();
  });

  it('sends a queue that missed the network coming back a moment later', async () => {
    const model = new RoomsModel(api, 'bob', { network });
    api.postOutcome = new ApiError('This device is offline: no network', 0, 'offline');
    model.send('general', 'raced'); // the browser said online, the request failed offline, and it is online again
    await settle();
    expect(model.outbox('general')).toMatchObject([{ status: 'queued' }]);
    api.postOutcome = 'store';
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(api.posted.map((m) => m.text)).toEqual(['raced']);
    model.close();
  });

  it('lets a queued message be discarded: nothing is sent for it', async () => {
    const model = new RoomsModel(api, 'bob', { network });
    network.set(false);
    model.send('general', 'never mind');
    model.discardSend('general', model.outbox('general')[0]!.localId);
    network.set(true);
    await settle();
    expect(api.calls).toEqual([]);
    expect(model.outbox('general')).toEqual([]);
  });

  it('stops listening to the network when closed', () => {
    const model = new RoomsModel(api, 'bob', { network });
    expect(network.listeners).toBe(1);
    model.close();
    expect(network.listeners).toBe(0);
  });
});
