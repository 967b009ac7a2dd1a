import { TopicScheme } from '../../core/topics.js';
import { notificationOn } from './notification-routing.js';

const topics = new TopicScheme({ app: 'app', stage: 'test' });
const base = {
  type: 'notification',
  eventId: 'e1',
  source: 'com.example',
  notification: { type: 'invoice.ready', data: { text: 'hi' } },
  sentAt: '2026-01-01T00:00:00Z',
};

describe('notificationOn', () => {
  it('takes a notification from the topic its audience names', () => {
    expect(notificationOn(topics, 'alice', topics.userNotifications('alice'), { ...base, audience: 'user' })).toMatchObject({ eventId: 'e1' });
    expect(notificationOn(topics, 'alice', topics.broadcast(), { ...base, audience: 'everyone' })).toMatchObject({ audience: 'everyone' });
    expect(notificationOn(topics, 'alice', topics.inbox('alice', 'general'), { ...base, audience: 'room', roomId: 'general' })).toMatchObject({
      roomId: 'general',
    });
  });

  it('refuses one on another topic than its audience names, and anything that is not a notification', () => {
    expect(notificationOn(topics, 'alice', topics.broadcast(), { ...base, audience: 'user' })).toBeUndefined();
    expect(notificationOn(topics, 'alice', topics.userNotifications('alice'), { ...base, audience: 'everyone' })).toBeUndefined();
    expect(notificationOn(topics, 'alice', topics.inbox('alice', 'ops'), { ...base, audience: 'room', roomId: 'general' })).toBeUndefined();
    expect(notificationOn(topics, 'alice', topics.inbox('alice', 'general'), { ...base, audience: 'room' })).toBeUndefined();
    expect(notificationOn(topics, 'alice', topics.userNotifications('alice'), { type: 'message', messageId: 'm' })).toBeUndefined();
    expect(notificationOn(topics, 'alice', topics.userNotifications('alice'), { ...base, audience: 'user', eventId: 5 })).toBeUndefined();
  });
});
