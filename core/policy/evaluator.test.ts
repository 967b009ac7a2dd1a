import { policy } from './document.js';
import { evaluateLayers, evaluatePolicies, UnsupportedPolicyFeatureError, wildcardMatch, type NamedPolicy } from './evaluator.js';

const arn = (kind: string, name: string) => `arn:aws:iot:us-east-1:000000000000:${kind}/${name}`;
const one = (document: ReturnType<typeof policy>, name = 'p'): NamedPolicy[] => [{ name, document }];

describe('wildcardMatch (IAM/IoT resource patterns)', () => {
  it('treats * as any run of characters, across topic levels', () => {
    expect(wildcardMatch('topic/a/*', 'topic/a/b/c/d')).toBe(true);
    expect(wildcardMatch('topic/a/*', 'topic/a/')).toBe(true);
    expect(wildcardMatch('topic/a/*', 'topic/b/c')).toBe(false);
  });
  it('treats ? as exactly one character', () => {
    expect(wildcardMatch('topic/a?', 'topic/ab')).toBe(true);
    expect(wildcardMatch('topic/a?', 'topic/a')).toBe(false);
    expect(wildcardMatch('topic/a?', 'topic/abc')).toBe(false);
  });
  it('escapes regex metacharacters in patterns', () => {
    expect(wildcardMatch('topic/a.b', 'topic/aXb')).toBe(false);
    expect(wildcardMatch('topic/(x)+[y]', 'topic/(x)+[y]')).toBe(true);
  });
  it('can compare actions case-insensitively', () => {
    expect(wildcardMatch('iot:subscribe', 'iot:Subscribe', true)).toBe(true);
    expect(wildcardMatch('iot:subscribe', 'iot:Subscribe')).toBe(false);
  });
});

describe('evaluatePolicies: the IoT traps', () => {
  it('allows subscribing to a/# through topicfilter/a/*', () => {
    const doc = policy({ Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter', 'a/*') });
    expect(evaluatePolicies(one(doc), { action: 'iot:Subscribe', resource: arn('topicfilter', 'a/#') }).allowed).toBe(true);
  });

  it('allows subscribing to a/# through the literal topicfilter/a/#, but not to a/b', () => {
    const doc = policy({ Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter', 'a/#') });
    expect(evaluatePolicies(one(doc), { action: 'iot:Subscribe', resource: arn('topicfilter', 'a/#') }).allowed).toBe(true);
    expect(evaluatePolicies(one(doc), { action: 'iot:Subscribe', resource: arn('topicfilter', 'a/b') }).allowed).toBe(false);
  });

  it('never lets topic/a/# grant Receive on a concrete topic (# is literal)', () => {
    const doc = policy({ Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic', 'a/#') });
    expect(evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'a/b') }).allowed).toBe(false);
    expect(evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'a') }).allowed).toBe(false);
  });

  it('lets topicfilter/a/+ allow only the literal filter a/+', () => {
    const doc = policy({ Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter', 'a/+') });
    expect(evaluatePolicies(one(doc), { action: 'iot:Subscribe', resource: arn('topicfilter', 'a/+') }).allowed).toBe(true);
    expect(evaluatePolicies(one(doc), { action: 'iot:Subscribe', resource: arn('topicfilter', 'a/b') }).allowed).toBe(false);
  });

  it('lets an explicit Deny win over any Allow', () => {
    const doc = policy(
      { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
      { Sid: 'NoSecrets', Effect: 'Deny', Action: 'iot:Receive', Resource: arn('topic', 'secret/*') },
    );
    const denied = evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'secret/x') });
    expect(denied).toMatchObject({ allowed: false, effect: 'ExplicitDeny' });
    expect(denied.allowed ? '' : denied.reason).toContain('NoSecrets');
    expect(evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'public/x') }).allowed).toBe(true);
  });

  it('denies implicitly when nothing matches, naming the policies looked at', () => {
    const doc = policy({ Effect: 'Allow', Action: 'iot:Publish', Resource: arn('topic', 'x') });
    const d = evaluatePolicies(one(doc, 'only-x'), { action: 'iot:Publish', resource: arn('topic', 'y') });
    expect(d).toMatchObject({ allowed: false, effect: 'ImplicitDeny' });
    expect(d.allowed ? '' : d.reason).toContain('only-x');
  });

  it('matches actions case-insensitively and with service wildcards, resources case-sensitively', () => {
    const doc = policy({ Effect: 'Allow', Action: 'IOT:subscr*', Resource: arn('topicfilter', 'Room') });
    expect(evaluatePolicies(one(doc), { action: 'iot:Subscribe', resource: arn('topicfilter', 'Room') }).allowed).toBe(true);
    expect(evaluatePolicies(one(doc), { action: 'iot:Subscribe', resource: arn('topicfilter', 'room') }).allowed).toBe(false);
  });

  it('supports NotAction and NotResource', () => {
    const doc = policy(
      { Effect: 'Allow', NotAction: 'iot:Publish', Resource: '*' },
      { Effect: 'Deny', Action: 'iot:Receive', NotResource: arn('topic', 'ok/*') },
    );
    expect(evaluatePolicies(one(doc), { action: 'iot:Publish', resource: arn('topic', 'ok/1') }).allowed).toBe(false);
    expect(evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'ok/1') }).allowed).toBe(true);
    expect(evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'other') }).effect).toBe('ExplicitDeny');
  });

  it('rejects a statement with both Action and NotAction with a clear error', () => {
    const doc = policy({ Effect: 'Allow', Action: 'iot:*', NotAction: 'iot:Publish', Resource: '*' });
    expect(() => evaluatePolicies(one(doc), { action: 'iot:Receive', resource: '*' })).toThrow(UnsupportedPolicyFeatureError);
  });
});

describe('policy variables', () => {
  const doc = policy(
    { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client', '${cognito-identity.amazonaws.com:sub}') },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic', 'users/${iot:ClientId}/*') },
  );
  const sub = 'us-east-1:11111111-2222-3333-4444-555555555555';

  it('substitutes ${cognito-identity.amazonaws.com:sub} and ${iot:ClientId}', () => {
    const context = { 'cognito-identity.amazonaws.com:sub': sub, 'iot:ClientId': 'c1' };
    expect(evaluatePolicies(one(doc), { action: 'iot:Connect', resource: arn('client', sub), context }).allowed).toBe(true);
    expect(evaluatePolicies(one(doc), { action: 'iot:Connect', resource: arn('client', 'other'), context }).allowed).toBe(false);
    expect(evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'users/c1/x'), context }).allowed).toBe(true);
    expect(evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'users/c2/x'), context }).allowed).toBe(false);
  });

  it('matches nothing when the variable has no value in the context', () => {
    expect(evaluatePolicies(one(doc), { action: 'iot:Connect', resource: arn('client', '') }).allowed).toBe(false);
    expect(evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'users//x') }).allowed).toBe(false);
  });

  it('shows the injection trap: a client id of * substituted into a resource widens the grant', () => {
    // This is AWS behaviour, reproduced on purpose: ids must be validated (core/ids.ts) before they reach policies.
    const context = { 'iot:ClientId': '*' };
    expect(evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'users/bob/secret'), context }).allowed).toBe(true);
  });

  it('treats ${*} as a literal star', () => {
    const literal = policy({ Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic', 'a/${*}') });
    expect(evaluatePolicies(one(literal), { action: 'iot:Receive', resource: arn('topic', 'a/*') }).allowed).toBe(true);
    expect(evaluatePolicies(one(literal), { action: 'iot:Receive', resource: arn('topic', 'a/b') }).allowed).toBe(false);
  });
});

describe('conditions and principals (trust policies)', () => {
  const trust = policy({
    Effect: 'Allow',
    Principal: { Federated: 'cognito-identity.amazonaws.com' },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' },
      'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
    },
  });
  const principal = { type: 'Federated' as const, id: 'cognito-identity.amazonaws.com' };

  it('allows the pool and kind of identity it names', () => {
    const context = { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool', 'cognito-identity.amazonaws.com:amr': ['authenticated', 'x'] };
    expect(evaluatePolicies(one(trust), { action: 'sts:AssumeRoleWithWebIdentity', principal, context }).allowed).toBe(true);
  });

  it('denies another pool, an unauthenticated identity, or another principal', () => {
    const base = { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool', 'cognito-identity.amazonaws.com:amr': ['unauthenticated'] };
    expect(evaluatePolicies(one(trust), { action: 'sts:AssumeRoleWithWebIdentity', principal, context: base }).allowed).toBe(false);
    const otherPool = { ...base, 'cognito-identity.amazonaws.com:aud': 'us-east-1:other', 'cognito-identity.amazonaws.com:amr': ['authenticated'] };
    expect(evaluatePolicies(one(trust), { action: 'sts:AssumeRoleWithWebIdentity', principal, context: otherPool }).allowed).toBe(false);
    expect(
      evaluatePolicies(one(trust), {
        action: 'sts:AssumeRoleWithWebIdentity',
        principal: { type: 'AWS', id: 'arn:aws:iam::000000000000:role/x' },
        context: { ...base, 'cognito-identity.amazonaws.com:amr': ['authenticated'] },
      }).allowed,
    ).toBe(false);
  });

  it('treats an account root principal as any principal of that account', () => {
    const doc = policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' });
    const inAccount = { type: 'AWS' as const, id: 'arn:aws:iam::000000000000:role/any' };
    const elsewhere = { type: 'AWS' as const, id: 'arn:aws:iam::111111111111:role/any' };
    expect(evaluatePolicies(one(doc), { action: 'sts:AssumeRole', principal: inAccount }).allowed).toBe(true);
    expect(evaluatePolicies(one(doc), { action: 'sts:AssumeRole', principal: elsewhere }).allowed).toBe(false);
  });

  it('holds negated operators for absent keys, and IfExists for absent keys', () => {
    const doc = policy({
      Effect: 'Allow',
      Action: 'iot:Connect',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:SourceIp': '10.0.0.1' }, StringEqualsIfExists: { 'x:y': 'z' } },
    });
    expect(evaluatePolicies(one(doc), { action: 'iot:Connect', resource: 'r' }).allowed).toBe(true);
    expect(evaluatePolicies(one(doc), { action: 'iot:Connect', resource: 'r', context: { 'x:y': 'no' } }).allowed).toBe(false);
    expect(evaluatePolicies(one(doc), { action: 'iot:Connect', resource: 'r', context: { 'aws:SourceIp': '10.0.0.1' } }).allowed).toBe(false);
  });

  it('refuses unsupported operators with a clear error instead of guessing', () => {
    const doc = policy({ Effect: 'Allow', Action: 'iot:Connect', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } });
    expect(() => evaluatePolicies(one(doc), { action: 'iot:Connect', resource: 'r' })).toThrow(/IpAddress is not supported/);
  });
});

describe('evaluateLayers: intersections', () => {
  const role = { name: 'role', policies: one(policy({ Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic', 'app/*') }), 'role-policy') };
  const session = { name: 'session policy', policies: one(policy({ Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic', '*') }), 'session') };

  it('allows only what every layer allows (role ∩ session policy)', () => {
    expect(evaluateLayers([role, session], { action: 'iot:Receive', resource: arn('topic', 'app/x') }).allowed).toBe(true);
    const outside = evaluateLayers([role, session], { action: 'iot:Receive', resource: arn('topic', 'other/x') });
    expect(outside.allowed).toBe(false);
    expect(outside.allowed ? '' : outside.reason).toMatch(/^role:/);
  });

  it('lets an explicit deny in any layer win', () => {
    const deny = { name: 'iot policies', policies: one(policy({ Effect: 'Deny', Action: 'iot:*', Resource: '*' }), 'deny-all') };
    expect(evaluateLayers([role, session, deny], { action: 'iot:Receive', resource: arn('topic', 'app/x') }).effect).toBe('ExplicitDeny');
  });

  it('denies a principal without layers, or with an empty layer (an identity without attached IoT policy)', () => {
    expect(evaluateLayers([], { action: 'iot:Receive', resource: arn('topic', 'app/x') }).allowed).toBe(false);
    const emptyIot = { name: 'attached IoT policies', policies: [] };
    const d = evaluateLayers([role, emptyIot], { action: 'iot:Receive', resource: arn('topic', 'app/x') });
    expect(d.allowed ? '' : d.reason).toContain('attached IoT policies');
  });
});
