import { consoleLogger } from '../emulator/log.js';
import { startLocalStack } from '../stack.js';

const t = performance.now();
const stack = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: ['http://127.0.0.1:5173'], logger: consoleLogger({ minLevel: 'info' }) });
console.log('ready in', Math.round(performance.now() - t), 'ms', stack.api.url);
const token = await stack.issuers.app.sign({ name: 'Alice', roles: ['admin'] }, { subject: 'alice' });
const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
for (const [m, p, b] of [
  ['GET', '/rooms'],
  ['POST', '/credentials', '{}'],
  ['POST', '/rooms/general/messages', '{"text":"hi"}'],
  ['GET', '/rooms/general/messages'],
  ['POST', '/jobs', '{"kind":"report","steps":2}'],
  ['GET', '/health'],
] as const) {
  const t2 = performance.now();
  const r = await fetch(stack.api.url + p, { method: m, headers: h, ...(b ? { body: b } : {}) });
  console.log(m, p, r.status, (await r.text()).slice(0, 160), Math.round(performance.now() - t2), 'ms');
}
await new Promise((r) => setTimeout(r, 3000));
console.log(stack.metrics);
await stack.close();
