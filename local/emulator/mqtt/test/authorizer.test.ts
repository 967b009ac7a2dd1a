import { PolicyAuthorizer, RECEIVE_CACHE_LIMIT } from '../authorizer.js';
import { anyone, arn, testAccount, testConnection, tester, testLog } from './fakes.js';

function setup(options: { sourceIp?: string } = {}) {
  const account = testAccount();
  const log = testLog();
  const authorizer = new PolicyAuthorizer({ account, arn });
  const connection = testConnection(account, tester, { clientId: 'tester-1', logger: log.logger, ...options });
  return { account, log, authorizer, connection };
}

describe('PolicyAuthorizer: iot:Subscribe', () => {
  it('allows a filter the policy grants, with no denial logged', () => {
    const { authorizer, connection, log } = setup();
    expect(authorizer.subscribe(connection, 'tester-1', 'test/#')).toEqual({ allowed: true });
    expect(log.denials()).toEqual([]);
    expect(connection.disconnectReason).toBeUndefined();
  });

  it('denies a filter outside the grant: the error closes the connection, the log says who, what, where and why', () => {
    const { authorizer, connection, log } = setup();
    expect(authorizer.subscribe(connection, 'tester-1', 'other/x')).toEqual({ allowed: false, error: 'not authorized to subscribe' });
    expect(log.denials()).toEqual([
      expect.objectContaining({
        service: 'mqtt',
        who: 'user/tester (client tester-1)',
        action: 'iot:Subscribe',
        resource: 'arn:aws:iot:us-east-1:000000000000:topicfilter/other/x',
        reason: expect.stringMatching(/no statement in \[tester\] allows it/),
      }),
    ]);
    expect(connection.disconnectReason).toBe('AUTH_ERROR');
  });

  it('treats + and # as literal characters of the resource: topicfilter/literal/+ allows "literal/+" only', () => {
    const { authorizer, connection } = setup();
    expect(authorizer.subscribe(connection, 'tester-1', 'literal/+').allowed).toBe(true);
    expect(authorizer.subscribe(connection, 'tester-1', 'literal/a').allowed).toBe(false);
  });

  it('passes the client id for ${iot:ClientId} and the source IP for conditions', () => {
    const { authorizer, connection } = setup();
    expect(authorizer.subscribe(connection, 'tester-1', 'tester-1/inbox').allowed).toBe(true);
    expect(authorizer.subscribe(connection, 'tester-1', 'tester-2/inbox').allowed).toBe(false);
    const blocked = setup({ sourceIp: '10.9.9.9' });
    expect(blocked.authorizer.subscribe(blocked.connection, 'tester-1', 'test/a').allowed).toBe(false);
  });
});

describe('PolicyAuthorizer: iot:Publish and iot:RetainPublish', () => {
  it('allows a granted topic and denies another', () => {
    const { authorizer, connection, log } = setup();
    expect(authorizer.publish(connection, 'tester-1', 'test/a', false)).toEqual({ allowed: true });
    expect(authorizer.publish(connection, 'tester-1', 'other/a', false)).toEqual({ allowed: false, error: 'not authorized to publish' });
    expect(log.denials()).toEqual([expect.objectContaining({ action: 'iot:Publish', resource: arn('topic', 'other/a') })]);
  });

  it('needs iot:RetainPublish as well for a retained message', () => {
    const { authorizer, connection, log } = setup();
    expect(authorizer.publish(connection, 'tester-1', 'test/retained/a', true).allowed).toBe(true);
    expect(authorizer.publish(connection, 'tester-1', 'test/a', true)).toEqual({ allowed: false, error: 'not authorized to publish retained messages' });
    expect(log.denials()).toEqual([expect.objectContaining({ action: 'iot:RetainPublish', resource: arn('topic', 'test/a') })]);
    expect(connection.disconnectReason).toBe('AUTH_ERROR');
  });
});

describe('PolicyAuthorizer: iot:Receive', () => {
  it('allows and denies deliveries by the concrete topic, without touching the disconnect reason', () => {
    const { authorizer, connection, log } = setup();
    expect(authorizer.receive(connection, 'tester-1', 'test/allowed/x')).toBe(true);
    expect(authorizer.receive(connection, 'tester-1', 'test/denied/x')).toBe(false);
    expect(log.denials()).toEqual([
      expect.objectContaining({
        action: 'iot:Receive',
        resource: arn('topic', 'test/denied/x'),
        reason: expect.stringContaining('(deliveries on this topic are dropped)'),
      }),
    ]);
    expect(connection.disconnectReason).toBeUndefined();
  });

  it('caches decisions per connection: the policy is evaluated and a denial logged once per topic', () => {
    const { account, authorizer, connection, log } = setup();
    const evaluated: string[] = [];
    const authorize = account.authorize.bind(account);
    account.authorize = (principal, action, resource, context) => {
      evaluated.push(resource);
      return authorize(principal, action, resource, context);
    };
    for (let i = 0; i < 5; i += 1) {
      expect(authorizer.receive(connection, 'tester-1', 'test/allowed/x')).toBe(true);
      expect(authorizer.receive(connection, 'tester-1', 'test/denied/x')).toBe(false);
    }
    expect(evaluated).toEqual([arn('topic', 'test/allowed/x'), arn('topic', 'test/denied/x')]);
    expect(log.denials()).toHaveLength(1);
    // Another connection of the same principal has its own cache.
    const other = testConnection(account, tester, { clientId: 'tester-2' });
    expect(authorizer.receive(other, 'tester-2', 'test/allowed/x')).toBe(true);
    expect(evaluated).toHaveLength(3);
  });

  it('bounds the cache: a client cannot grow it past the limit', () => {
    const { account, authorizer } = setup();
    const connection = testConnection(account, anyone, { clientId: 'anyone-1' });
    for (let i = 0; i < RECEIVE_CACHE_LIMIT; i += 1) authorizer.receive(connection, 'anyone-1', `t/${i}`);
    expect(connection.receiveDecisions.size).toBe(RECEIVE_CACHE_LIMIT);
    expect(authorizer.receive(connection, 'anyone-1', 't/one-more')).toBe(true);
    expect(connection.receiveDecisions.size).toBeLessThanOrEqual(RECEIVE_CACHE_LIMIT);
    expect(connection.receiveDecisions.get('t/one-more')).toBe(true);
  });
});
