import { isJobTopic, topicSchemeFor, userTopicsFilter } from './topics.js';

describe("the demo's topics", () => {
  const topics = topicSchemeFor('iot-realtime/local');

  it("builds the deployment's scheme from config.json's topicPrefix", () => {
    expect(topics.broadcast()).toBe('iot-realtime/local/broadcast');
    expect(topics.inbox('alice', 'general')).toBe('iot-realtime/local/users/alice/rooms/general');
    expect(userTopicsFilter(topics, 'alice')).toBe('iot-realtime/local/users/alice/#');
    expect(userTopicsFilter(topics, 'us-east-1:0f3c1e6a-1111-2222-3333-444455556666')).toBe(
      'iot-realtime/local/users/us-east-1:0f3c1e6a-1111-2222-3333-444455556666/#',
    );
  });

  it.each(['iot-realtime', 'iot-realtime/local/extra', '', 'iot-realtime/+', 'iot-realtime/#'])('refuses the topicPrefix %j', (prefix) => {
    expect(() => topicSchemeFor(prefix)).toThrow(/topicPrefix|invalid/);
  });

  it("accepts a job event only on its owner's topic for that job", () => {
    expect(isJobTopic(topics, 'alice', 'j1', 'iot-realtime/local/users/alice/jobs/j1')).toBe(true);
    expect(isJobTopic(topics, 'alice', 'j1', 'iot-realtime/local/users/bob/jobs/j1')).toBe(false);
    expect(isJobTopic(topics, 'alice', 'j2', 'iot-realtime/local/users/alice/jobs/j1')).toBe(false);
    expect(isJobTopic(topics, 'alice', 'j1', 'iot-realtime/local/broadcast')).toBe(false);
    expect(isJobTopic(topics, 'alice', '#', 'iot-realtime/local/users/alice/jobs/#')).toBe(false);
  });
});
