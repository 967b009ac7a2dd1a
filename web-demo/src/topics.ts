/** The demo's topics, all named by core/topics.ts: the scheme of this deployment, and checks on incoming topics. */
import { isValidId } from '../../core/ids.js';
import { TopicScheme } from '../../core/topics.js';

/** The scheme named by /config.json's `topicPrefix`, which is `<app>/<stage>`. */
export function topicSchemeFor(topicPrefix: string): TopicScheme {
  const [app, stage, ...rest] = topicPrefix.split('/');
  if (app === undefined || stage === undefined || rest.length > 0) {
    throw new Error(`/config.json: topicPrefix must be "<app>/<stage>", got ${JSON.stringify(topicPrefix)}`);
  }
  return new TopicScheme({ app, stage });
}

/** The filter for all of one user's private topics. MQTT: `#` matches its parent level and every level below it. */
export function userTopicsFilter(topics: TopicScheme, userId: string): string {
  return topics.userFilter(userId);
}

/** Whether `topic` is exactly the topic of this user's job `jobId` (job events are accepted only there). */
export function isJobTopic(topics: TopicScheme, userId: string, jobId: string, topic: string): boolean {
  return isValidId(jobId) && topics.job(userId, jobId) === topic;
}
