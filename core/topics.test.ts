import { TopicScheme } from './topics.js';

const topics = new TopicScheme({ app: 'iot-realtime', stage: 'local' });

describe('TopicScheme.userOfClientId (the inverse of clientId)', () => {
  it("names the user of every client id the scheme issues, a Cognito user's included", () => {
    expect(topics.userOfClientId(topics.clientId('alice'))).toBe('alice');
    expect(topics.userOfClientId(topics.clientId('alice', 'tab-2'))).toBe('alice');
    const cognito = 'us-east-1:0f3c7d2a-1b2c-4d5e-8f90-123456789abc';
    expect(topics.userOfClientId(topics.clientId(cognito))).toBe(cognito);
    // The bare identity id is not a client id of the stage (Cognito users connect as <app>.<stage>.<identity id>).
    expect(topics.userOfClientId(cognito)).toBeUndefined();
  });

  it.each([
    'iot-realtime.prod.alice',
    'other.local.alice',
    'iot-realtime.local.',
    'iot-realtime.local.alice.',
    'iot-realtime.local.alice.a.b',
    'iot-realtime.local.a+b',
    'iot-realtime.local',
    'alice',
    'us-east-1:not-a-uuid',
    '',
  ])('names no user for %j', (clientId) => {
    expect(topics.userOfClientId(clientId)).toBeUndefined();
  });
});
