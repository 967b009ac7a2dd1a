import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { consoleLogger } from '../emulator/log.js';
import { LOCAL_ADMIN_CREDENTIALS } from '../local-deployment.js';
import { startLocalStack } from '../stack.js';

const stack = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [], logger: consoleLogger({ minLevel: 'debug' }), jobRetryDelayMs: 50 });
const sqs = new SQSClient({ region: 'us-east-1', endpoint: stack.emulator.url, credentials: LOCAL_ADMIN_CREDENTIALS });
const t = Date.now();
const job = { jobId: 'too-long', userId: 'erin', kind: 'report', steps: 20, stepMs: 5000, requestedAt: new Date().toISOString() };
await sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.jobs.queue.url, MessageBody: JSON.stringify(job) }));
for (let i = 0; i < 40; i++) {
  await new Promise((r) => setTimeout(r, 250));
  const d = stack.queues.jobs.deadLetters.depth;
  if (d) {
    console.log('DLQ after', Date.now() - t);
    break;
  }
}
console.log(
  stack.queues.jobs.queue.peek().map((m) => ({ rc: m.receiveCount, vis: m.visibleAt - Date.now() })),
  stack.emulator.lambda.stats('iot-realtime-local-jobs-worker'),
);
await stack.close();
