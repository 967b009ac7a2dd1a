import { TopicScheme } from '../../core/topics.js';
import { ForbiddenError, PayloadTooLargeError, PublishFailedError, ValidationError } from '../shared/errors.js';
import type { Publisher } from '../shared/ports.js';
import { MAX_TEXT_LENGTH, postRoomMessage } from './core.js';

const topics = new TopicScheme({ app: 'app', stage: 'test' });
const clock = { now: () => new Date('2030-01-01T00:00:00.123Z') };
const alice = { userId: 'alice', rooms: ['general', 'ops'] };

function recordingPublisher(): Publisher & { published: Array<{ topic: string; payload: unknown; qos: number }> } {
  const published: Array<{ topic: string; payload: unknown; qos: number }> = [];
  return { published, publish: async (topic, payload, qos) => void published.push({ topic, payload, qos }) };
}
const deps = (publisher: Publisher = recordingPublisher()) => ({ publisher, clock, newId: () => 'm-1', topics });

describe('postRoomMessage', () => {
  it('publishes the processed message with QoS 1 to the room topic', async () => {
    const publisher = recordingPublisher();
    const out = await postRoomMessage({ user: alice, roomId: 'general', body: { text: '  hello  ' } }, deps(publisher));
    expect(out).toEqual({ id: 'm-1', topic: 'app/test/rooms/general', sentAt: '2030-01-01T00:00:00.123Z' });
    expect(publisher.published).toEqual([
      { topic: 'app/test/rooms/general', qos: 1, payload: { type: 'message', id: 'm-1', roomId: 'general', author: 'alice', text: 'hello', sentAt: '2030-01-01T00:00:00.123Z' } },
    ]);
  });

  it('refuses non-members with 403 before looking at the body', async () => {
    await expect(postRoomMessage({ user: { userId: 'bob', rooms: ['general'] }, roomId: 'ops', body: null }, deps())).rejects.toThrow(ForbiddenError);
  });

  it.each([
    ['a missing room id', undefined, { text: 'x' }],
    ['a room id with a wildcard', 'gen#', { text: 'x' }],
    ['a body that is not an object', 'general', 'text'],
    ['a missing text', 'general', {}],
    ['a text that is not a string', 'general', { text: 42 }],
    ['a blank text', 'general', { text: '   ' }],
  ])('answers 400 to %s', async (_name, roomId, body) => {
    await expect(postRoomMessage({ user: alice, roomId, body }, deps())).rejects.toThrow(ValidationError);
  });

  it('answers 413 to a text over the limit, and accepts one at the limit', async () => {
    await expect(postRoomMessage({ user: alice, roomId: 'general', body: { text: 'x'.repeat(MAX_TEXT_LENGTH + 1) } }, deps())).rejects.toThrow(PayloadTooLargeError);
    await expect(postRoomMessage({ user: alice, roomId: 'general', body: { text: 'x'.repeat(MAX_TEXT_LENGTH) } }, deps())).resolves.toMatchObject({ id: 'm-1' });
  });

  it('surfaces publish failures instead of reporting success', async () => {
    const failing: Publisher = { publish: () => Promise.reject(new PublishFailedError('could not deliver the message', true)) };
    await expect(postRoomMessage({ user: alice, roomId: 'general', body: { text: 'x' } }, deps(failing))).rejects.toThrow(PublishFailedError);
  });
});
