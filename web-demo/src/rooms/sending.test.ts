/** Sending: sending, echoed, not delivered with a retry, accepted without an echo. */
import { ApiError } from '../api.js';
import { RoomsModel } from '../rooms-model.js';
import { FakeRoomsApi, message, modelWith, settle, texts } from './fake-rooms-api.test-support.js';

describe('sending', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member' }];
  });

  it("shows a message as sending at once, and as the user's own message (no longer outgoing) when its echo arrives", async () => {
    const model = modelWith(api);
    model.send('general', 'hello');
    expect(model.outbox('general')).toEqual([{ localId: 'local-1', text: 'hello', status: 'sending' }]);
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
    expect(model.outbox('general')).toEqual([{ localId: 'local-1', text: 'too fast', status: 'failed', error: 'Too many requests; try again in 12 s' }]);
    api.postOutcome = 'store';
    model.retrySend('general', 'local-1');
    expect(model.outbox('general')[0]?.status).toBe('sending');
    await settle();
    model.receive('general', api.posted[0]!);
    expect(model.outbox('general')).toEqual([]);
  });

  it('gives up on a send the API does not answer in time, saying it may not have been sent; discard removes it', async () => {
    const model = new RoomsModel(api, 'bob', { sendTimeoutMs: 20 });
    api.postOutcome = 'hang';
    model.send('general', 'into the void');
    await new Promise((r) => setTimeout(r, 60));
    expect(model.outbox('general')).toEqual([
      { localId: 'local-1', text: 'into the void', status: 'failed', error: 'no answer from the server within 0 s; it may not have been sent' },
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
});
