import { payloadKey, readPayload } from './payloads.js';

const message = { type: 'message', messageId: 'm1', roomId: 'general', from: 'alice', fromName: 'Alice', text: 'hi', sentAt: '2030-01-01T00:00:00.000Z' };
const job = { type: 'job', jobId: 'j1', kind: 'report', status: 'running', step: 2, steps: 5, progress: 40, at: '2030-01-01T00:00:00.000Z' };

describe('payloadKey (de-duplication of QoS 1 redeliveries)', () => {
  it('keys room messages by id and job events by job, status and step', () => {
    expect(payloadKey('t', message)).toBe('message:m1');
    expect(payloadKey('t', job)).toBe('job:j1:running:2');
    expect(payloadKey('t', { ...job, step: 3 })).not.toBe(payloadKey('t', job));
    expect(payloadKey('t', { ...job, status: 'failed' })).not.toBe(payloadKey('t', job));
    expect(payloadKey('t', 'text')).toBeUndefined();
    expect(payloadKey('t', null)).toBeUndefined();
    expect(payloadKey('t', { other: 1 })).toBeUndefined();
  });

  it('keys room events by their eventId and read positions by room and message', () => {
    const event = { type: 'room_renamed', eventId: 'e1', roomId: 'r', roomName: 'R', at: '', by: { userId: 'a', displayName: 'A' }, previousName: 'Q' };
    expect(payloadKey('t', event)).toBe('event:e1');
    expect(payloadKey('t', { ...event, eventId: 'e2' })).not.toBe(payloadKey('t', event));
    expect(payloadKey('t', { type: 'read', roomId: 'r', messageId: 'm1', at: '' })).toBe('read:r:m1');
    expect(payloadKey('t', { type: 'read', roomId: 'q', messageId: 'm1', at: '' })).toBe('read:q:m1');
  });
});

describe('readPayload', () => {
  it("accepts the app's room messages and job events", () => {
    expect(readPayload(message)).toEqual(message);
    expect(readPayload({ ...job, status: 'succeeded', result: { summary: 'done' } })).toEqual({ ...job, status: 'succeeded', result: { summary: 'done' } });
  });

  it.each([
    ['an unknown type', { ...message, type: 'other' }],
    ['a message without text', { ...message, text: undefined }],
    ['a message whose sender is not a string', { ...message, from: { name: 'x' } }],
    ['a message without its id', { ...message, messageId: undefined }],
    ['a job with an unknown status', { ...job, status: 'paused' }],
    ['a job whose progress is not a number', { ...job, progress: '40' }],
    ['a string', 'hello'],
  ])('drops %s', (_case, payload) => {
    expect(readPayload(payload)).toBeUndefined();
  });
});
