import { type ConditionBlock, policy } from './document.js';
import { type ContextValue, evaluateLayers, evaluatePolicies, type NamedPolicy, UnsupportedPolicyFeatureError, wildcardMatch } from './evaluator.js';

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

  it('refuses a substituted value containing a wildcard instead of widening (or narrowing) the grant', () => {
    // AWS does not document whether `*` in a client id acts as a wildcard once substituted into `topic/${iot:ClientId}/*`.
    // Guessing "wildcard" would allow what AWS may deny, so the evaluator refuses; ids are validated anyway (core/ids.ts).
    for (const clientId of ['*', 'a?c']) {
      const context = { 'iot:ClientId': clientId };
      expect(() => evaluatePolicies(one(doc), { action: 'iot:Receive', resource: arn('topic', 'users/bob/secret'), context })).toThrow(
        /contains a wildcard character/,
      );
    }
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

/** One Allow statement on every resource with this condition block; the request carries `context`. */
const withCondition = (Condition: ConditionBlock) => one(policy({ Effect: 'Allow', Action: 'iot:Connect', Resource: '*', Condition }));
const allowed = (Condition: ConditionBlock, context: Record<string, ContextValue> = {}) =>
  evaluatePolicies(withCondition(Condition), { action: 'iot:Connect', resource: arn('client', 'c1'), context }).allowed;

describe('case-insensitive key names, case-sensitive values (IAM JSON policy elements: Condition; Variables)', () => {
  it('matches a condition key whatever its spelling in the policy or the request', () => {
    expect(allowed({ Bool: { 'AWS:securetransport': 'true' } }, { 'aws:SecureTransport': 'true' })).toBe(true);
    expect(allowed({ Bool: { 'aws:SecureTransport': 'true' } }, { 'AWS:SECURETRANSPORT': true })).toBe(true);
    expect(allowed({ Bool: { 'AWS:securetransport': 'true' } }, { 'aws:SecureTransport': 'false' })).toBe(false);
  });

  it('resolves policy variables whatever their spelling', () => {
    const doc = one(policy({ Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic', 'users/${IOT:clientid}/*') }));
    expect(evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', 'users/c1/x'), context: { 'iot:ClientId': 'c1' } }).allowed).toBe(true);
    expect(evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', 'users/C1/x'), context: { 'iot:ClientId': 'c1' } }).allowed).toBe(false);
  });

  it('keeps value case: StringEquals is case-sensitive, StringEqualsIgnoreCase is not', () => {
    expect(allowed({ StringEquals: { 'aws:username': 'alice' } }, { 'aws:username': 'Alice' })).toBe(false);
    expect(allowed({ StringEqualsIgnoreCase: { 'aws:username': 'alice' } }, { 'AWS:UserName': 'Alice' })).toBe(true);
    expect(allowed({ StringNotEqualsIgnoreCase: { 'aws:username': 'alice' } }, { 'aws:username': 'ALICE' })).toBe(false);
  });

  it('refuses a request context that spells one key twice', () => {
    expect(() => allowed({ StringEquals: { 'aws:username': 'a' } }, { 'aws:username': 'a', 'AWS:username': 'b' })).toThrow(/names one key twice/);
  });
});

describe('ARN operators (Condition operators: "ArnEquals and ArnLike behave identically")', () => {
  const source = 'arn:aws:sns:us-east-1:000000000000:topic-a';

  it('lets ArnEquals use wildcards exactly like ArnLike', () => {
    for (const operator of ['ArnEquals', 'ArnLike']) {
      expect(allowed({ [operator]: { 'aws:SourceArn': 'arn:aws:sns:*:000000000000:topic-?' } }, { 'aws:SourceArn': source })).toBe(true);
      expect(allowed({ [operator]: { 'aws:SourceArn': 'arn:aws:sns:*:111111111111:*' } }, { 'aws:SourceArn': source })).toBe(false);
    }
  });

  it('lets ArnNotEquals behave exactly like ArnNotLike', () => {
    for (const operator of ['ArnNotEquals', 'ArnNotLike']) {
      expect(allowed({ [operator]: { 'aws:SourceArn': 'arn:aws:sns:*:000000000000:topic-?' } }, { 'aws:SourceArn': source })).toBe(false);
      expect(allowed({ [operator]: { 'aws:SourceArn': 'arn:aws:sns:*:111111111111:*' } }, { 'aws:SourceArn': source })).toBe(true);
    }
  });

  it('refuses values that are not ARNs instead of guessing', () => {
    expect(() => allowed({ ArnLike: { 'aws:SourceArn': '*' } }, { 'aws:SourceArn': source })).toThrow(UnsupportedPolicyFeatureError);
    expect(() => allowed({ ArnNotLike: { 'aws:SourceArn': source } }, { 'aws:SourceArn': 'not-an-arn' })).toThrow(UnsupportedPolicyFeatureError);
  });
});

describe('ARN matching per component (Resource: "a wildcard cannot span segments")', () => {
  // The IAM documentation's own example (Condition operators, ARN condition operators).
  const pattern = 'arn:aws:someservice:*:111122223333:finance/*';
  const value = 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt';

  it('does not let ArnLike `*` run across the colons that StringLike `*` crosses', () => {
    expect(allowed({ StringLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value })).toBe(true);
    expect(allowed({ ArnLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value })).toBe(false);
    expect(allowed({ ArnLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': 'arn:aws:someservice:eu-west-1:111122223333:finance/x:y' })).toBe(true);
  });

  it('keeps a Resource `*` inside its own ARN component, but lets it span `:` and `/` inside the resource part', () => {
    const doc = one(
      policy({
        Effect: 'Allow',
        Action: '*',
        Resource: ['arn:aws:iot:*:000000000000:topic/*', 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*'],
      }),
    );
    const decide = (resource: string) => evaluatePolicies(doc, { action: 'iot:Publish', resource }).allowed;
    expect(decide('arn:aws:iot:eu-west-1:000000000000:topic/a/b')).toBe(true);
    expect(decide('arn:aws:iot:us-east-1:111111111111:topic/x:000000000000:topic/y')).toBe(false);
    expect(decide('arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:log-stream:2024/01/s')).toBe(true);
  });

  it('treats a shortened ARN ending in `*` as covering the missing components, and one without as matching nothing', () => {
    const decide = (Resource: string) =>
      evaluatePolicies(one(policy({ Effect: 'Allow', Action: '*', Resource })), { action: 'iot:Publish', resource: arn('topic', 'a') }).allowed;
    expect(decide('arn:aws:iot:*')).toBe(true);
    expect(decide('arn:aws:logs:*')).toBe(false);
    expect(decide('arn:aws:iot:us-east-1')).toBe(false);
  });

  it('refuses variables before the fifth colon (Variables: "only in the resource portion of the ARN")', () => {
    const doc = one(policy({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:iot:${aws:RequestedRegion}:000000000000:topic/a' }));
    expect(() => evaluatePolicies(doc, { action: 'iot:Publish', resource: arn('topic', 'a'), context: { 'aws:RequestedRegion': 'us-east-1' } })).toThrow(
      /only in the resource part/,
    );
  });
});

describe('special characters ${*}, ${?}, ${$} (Variables: "Special characters")', () => {
  it('matches only the literal character in resources', () => {
    const doc = one(policy({ Effect: 'Allow', Action: 'iot:Receive', Resource: [arn('topic', 'q${?}'), arn('topic', '${$}aws/things/*')] }));
    const decide = (topic: string) => evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', topic) }).allowed;
    expect(decide('q?')).toBe(true);
    expect(decide('qx')).toBe(false);
    expect(decide('$aws/things/t1/shadow')).toBe(true);
  });

  it('is the literal character in condition values, under literal and wildcard operators alike', () => {
    expect(allowed({ StringEquals: { 'aws:username': 'a${*}' } }, { 'aws:username': 'a*' })).toBe(true);
    expect(allowed({ StringLike: { 'aws:username': 'a${*}' } }, { 'aws:username': 'a*' })).toBe(true);
    expect(allowed({ StringLike: { 'aws:username': 'a${*}' } }, { 'aws:username': 'abc' })).toBe(false);
    expect(allowed({ StringLike: { 'aws:username': 'a${?}' } }, { 'aws:username': 'ab' })).toBe(false);
    expect(allowed({ StringEquals: { 'aws:username': '${$}{x}' } }, { 'aws:username': '${x}' })).toBe(true);
  });

  it('refuses malformed and unsupported variables', () => {
    expect(() => allowed({ StringEquals: { 'aws:username': '${aws:username' } }, { 'aws:username': 'a' })).toThrow(/unterminated/);
    expect(() => allowed({ StringEquals: { 'aws:username': "${aws:username, 'x'}" } }, { 'aws:username': 'a' })).toThrow(/default values/);
  });
});

describe('Null (Condition operators: "Condition operator to check existence of condition keys")', () => {
  it('holds for "true" when the key is absent and for "false" when it is present', () => {
    expect(allowed({ Null: { 'aws:TokenIssueTime': 'true' } })).toBe(true);
    expect(allowed({ Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' })).toBe(false);
    expect(allowed({ Null: { 'aws:TokenIssueTime': 'false' } }, { 'AWS:tokenissuetime': '2024-01-01T00:00:00Z' })).toBe(true);
    expect(allowed({ Null: { 'aws:TokenIssueTime': 'false' } })).toBe(false);
    expect(allowed({ Null: { 'aws:TagKeys': 'false' } }, { 'aws:TagKeys': ['a'] })).toBe(true);
  });

  it('denies through a Deny statement when the key is missing', () => {
    const doc = one(
      policy(
        { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
        { Effect: 'Deny', Action: 'iot:Connect', Resource: '*', Condition: { Null: { 'iot:ClientId': 'true' } } },
      ),
    );
    expect(evaluatePolicies(doc, { action: 'iot:Connect', resource: arn('client', 'c1') }).effect).toBe('ExplicitDeny');
    expect(evaluatePolicies(doc, { action: 'iot:Connect', resource: arn('client', 'c1'), context: { 'iot:ClientId': 'c1' } }).allowed).toBe(true);
  });

  it('refuses qualifiers, variables and values other than true / false', () => {
    // "You can add IfExists to the end of any condition operator name except the Null condition": not a valid operator.
    expect(() => allowed({ NullIfExists: { k: 'true' } })).toThrow(/IfExists cannot qualify Null/);
    // A set operator on Null: not documented anywhere (docs/aws-iot-facts.md section 8).
    expect(() => allowed({ 'ForAnyValue:Null': { k: 'true' } })).toThrow(/not documented/);
    expect(() => allowed({ 'ForAllValues:Null': { k: 'false' } }, { k: 'v' })).toThrow(UnsupportedPolicyFeatureError);
    expect(() => allowed({ Null: { k: 'yes' } })).toThrow(/"true" or "false"/);
    expect(() => allowed({ Null: { k: '${aws:username}' } }, { 'aws:username': 'true' })).toThrow(/"true" or "false"/);
  });

  // Multivalued context key examples: "You can prevent missing context keys or context keys with empty values from
  // evaluating to true by including a Null condition operator in your policy with a value of false to check if the
  // context key in the request exists and its value is not null."
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
  it('counts a key with an empty value (an empty multivalued set, an empty string) as null', () => {
    for (const empty of [[], ''] as const) {
      expect(allowed({ Null: { 'aws:TagKeys': 'true' } }, { 'aws:TagKeys': empty })).toBe(true);
      expect(allowed({ Null: { 'aws:TagKeys': 'false' } }, { 'aws:TagKeys': empty })).toBe(false);
    }
    expect(allowed({ Null: { 'aws:TagKeys': 'false' } }, { 'aws:TagKeys': ['team'] })).toBe(true);
  });

  it('keeps the documented Deny pattern (ForAllValues with Null false) from denying nothing when the tag keys are empty', () => {
    const doc = one(
      policy(
        { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
        {
          Sid: 'DenyRestrictedTags',
          Effect: 'Deny',
          Action: 'iot:Connect',
          Resource: '*',
          Condition: { Null: { 'aws:TagKeys': 'false' }, 'ForAllValues:StringLike': { 'aws:TagKeys': ['key1*', 'key2*'] } },
        },
      ),
    );
    const decide = (context: Record<string, ContextValue>) => evaluatePolicies(doc, { action: 'iot:Connect', resource: arn('client', 'c'), context }).effect;
    expect(decide({ 'aws:TagKeys': ['key1a', 'key2b'] })).toBe('ExplicitDeny');
    expect(decide({ 'aws:TagKeys': ['key1a', 'other'] })).toBe('Allow');
    // Without the Null check ForAllValues would hold for these; with it, the Deny does not apply.
    expect(decide({ 'aws:TagKeys': [] })).toBe('Allow');
    expect(decide({})).toBe('Allow');
  });
});

describe('Bool', () => {
  it('compares true / false case-insensitively, from strings or booleans', () => {
    expect(allowed({ Bool: { 'aws:SecureTransport': 'True' } }, { 'aws:SecureTransport': 'TRUE' })).toBe(true);
    expect(allowed({ Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': false })).toBe(false);
  });

  it('refuses non-boolean values and variables (the IAM pages disagree on variables in Bool)', () => {
    expect(() => allowed({ Bool: { 'aws:SecureTransport': 'yes' } }, { 'aws:SecureTransport': 'true' })).toThrow(UnsupportedPolicyFeatureError);
    expect(() => allowed({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'maybe' })).toThrow(UnsupportedPolicyFeatureError);
    expect(() => allowed({ Bool: { 'aws:SecureTransport': '${x:y}' } }, { 'aws:SecureTransport': 'true', 'x:y': 'true' })).toThrow(
      UnsupportedPolicyFeatureError,
    );
  });
});

describe('single-valued operators on multivalued keys (Single-valued vs. multivalued context keys)', () => {
  const amr = { 'cognito-identity.amazonaws.com:amr': ['authenticated', 'graph.facebook.com'] };

  it('refuses them, for positive and negated operators alike, instead of deciding', () => {
    // "Multivalued context keys require a condition set operator"; the result without one is not documented.
    for (const operator of ['StringLike', 'StringNotLike', 'StringEqualsIfExists', 'StringNotEqualsIfExists']) {
      expect(() => allowed({ [operator]: { 'cognito-identity.amazonaws.com:amr': 'authenticated' } }, amr)).toThrow(/needs ForAnyValue or ForAllValues/);
    }
  });

  it('evaluates them with ForAnyValue / ForAllValues', () => {
    expect(allowed({ 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } }, amr)).toBe(true);
    expect(allowed({ 'ForAllValues:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } }, amr)).toBe(false);
    expect(allowed({ 'ForAllValues:StringLike': { 'cognito-identity.amazonaws.com:amr': ['authenticated', 'graph.*'] } }, amr)).toBe(true);
    expect(allowed({ 'ForAnyValue:StringNotEquals': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } }, amr)).toBe(true);
    expect(allowed({ 'ForAllValues:StringNotEquals': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } }, amr)).toBe(false);
  });

  it('treats an absent key as documented: ForAllValues holds, ForAnyValue does not', () => {
    expect(allowed({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'team' } })).toBe(true);
    expect(allowed({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'team' } })).toBe(false);
  });

  // Conditions with multiple context keys or values: "If the key values in the request resolve to an empty data set
  // (for example, an empty string), a condition operator modified by ForAllValues returns true. In addition, a condition
  // operator modified by ForAnyValue returns false."
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
  it('treats an empty data set (an empty multivalued set or an empty string) as documented, negated operators included', () => {
    for (const empty of [[], ''] as const) {
      for (const base of ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike']) {
        expect(allowed({ [`ForAllValues:${base}`]: { 'aws:TagKeys': '*' } }, { 'aws:TagKeys': empty })).toBe(true);
        expect(allowed({ [`ForAnyValue:${base}`]: { 'aws:TagKeys': '*' } }, { 'aws:TagKeys': empty })).toBe(false);
      }
    }
  });

  it('refuses a multivalued key used as a policy variable', () => {
    expect(() => allowed({ StringEquals: { 'aws:username': '${cognito-identity.amazonaws.com:amr}' } }, { ...amr, 'aws:username': 'x' })).toThrow(
      /multivalued context key/,
    );
  });
});

// Single-valued vs. multivalued context keys: "Do not use condition set operators ForAllValues or ForAnyValue with
// single-valued context keys. Using condition set operators with single-valued context keys can lead to overly
// permissive policies": AWS evaluates them, the single value being the request's set.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
describe('set operators on single-valued keys', () => {
  it('reads the single value as a set of one', () => {
    expect(allowed({ 'ForAnyValue:StringEquals': { 'iot:ClientId': ['c1', 'c2'] } }, { 'iot:ClientId': 'c1' })).toBe(true);
    expect(allowed({ 'ForAllValues:StringEquals': { 'iot:ClientId': ['c1', 'c2'] } }, { 'iot:ClientId': 'c1' })).toBe(true);
    expect(allowed({ 'ForAnyValue:StringEquals': { 'iot:ClientId': ['c2'] } }, { 'iot:ClientId': 'c1' })).toBe(false);
    expect(allowed({ 'ForAllValues:StringNotEquals': { 'iot:ClientId': 'c2' } }, { 'iot:ClientId': 'c1' })).toBe(true);
    expect(allowed({ 'ForAnyValue:ArnLike': { 'aws:SourceArn': 'arn:aws:sns:*:*:t' } }, { 'aws:SourceArn': 'arn:aws:sns:r:1:t' })).toBe(true);
    expect(allowed({ 'ForAllValues:Bool': { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'false' })).toBe(false);
  });

  it('shows why AWS calls them overly permissive: ForAllValues holds for a request without the key', () => {
    // A plain StringEquals refuses the request that lacks aws:username; ForAllValues:StringEquals lets it through.
    expect(allowed({ StringEquals: { 'aws:username': 'alice' } })).toBe(false);
    expect(allowed({ 'ForAllValues:StringEquals': { 'aws:username': 'alice' } })).toBe(true);
    expect(allowed({ 'ForAllValues:StringEquals': { 'aws:username': 'alice' } }, { 'aws:username': 'bob' })).toBe(false);
  });
});

describe('policy variables with no value (Variables: "Policy variables with no value")', () => {
  it('makes a positive operator not match and a negated one match', () => {
    expect(allowed({ StringEquals: { 'aws:username': '${aws:PrincipalTag/name}' } }, { 'aws:username': 'alice' })).toBe(false);
    expect(allowed({ StringNotEquals: { 'aws:username': '${aws:PrincipalTag/name}' } }, { 'aws:username': 'alice' })).toBe(true);
    expect(allowed({ StringNotLike: { 'aws:username': ['${aws:PrincipalTag/name}', 'al*'] } }, { 'aws:username': 'alice' })).toBe(false);
    expect(allowed({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:${aws:PrincipalTag/name}' } }, { 'aws:SourceArn': 'arn:aws:sns:r:1:t' })).toBe(true);
  });

  it('denies through the documented Deny pattern when the principal tag is missing', () => {
    const doc = one(
      policy(
        { Effect: 'Allow', Action: 'iot:Receive', Resource: '*' },
        { Effect: 'Deny', Action: 'iot:Receive', Resource: '*', Condition: { StringNotEquals: { 'iot:ClientId': '${aws:PrincipalTag/team}' } } },
      ),
    );
    const decide = (context: Record<string, ContextValue>) => evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', 'a'), context }).effect;
    expect(decide({ 'iot:ClientId': 'red' })).toBe('ExplicitDeny');
    expect(decide({ 'iot:ClientId': 'red', 'aws:PrincipalTag/team': 'red' })).toBe('Allow');
  });

  it('makes a Resource entry match nothing', () => {
    const doc = one(policy({ Effect: 'Allow', Action: 'iot:Receive', Resource: [arn('topic', '${aws:username}/*'), arn('topic', 'public/*')] }));
    expect(evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', '/x') }).allowed).toBe(false);
    expect(evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', 'public/x') }).allowed).toBe(true);
  });

  it('refuses NotResource with such an entry unless another entry already excludes the resource', () => {
    const doc = one(policy({ Effect: 'Deny', Action: 'iot:Receive', NotResource: [arn('topic', '${aws:username}/*'), arn('topic', 'public/*')] }));
    expect(evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', 'public/x') }).effect).toBe('ImplicitDeny');
    expect(() => evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', 'private/x') })).toThrow(/AWS does not document the result/);
    expect(evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', 'bob/x'), context: { 'aws:username': 'bob' } }).effect).toBe('ImplicitDeny');
    expect(evaluatePolicies(doc, { action: 'iot:Receive', resource: arn('topic', 'x'), context: { 'aws:username': 'bob' } }).effect).toBe('ExplicitDeny');
  });
});

describe('...IfExists (Condition operators: "...IfExists condition operators")', () => {
  it('holds when the key is absent and tests the value when it is present', () => {
    expect(allowed({ StringLikeIfExists: { 'aws:username': 'a*' } })).toBe(true);
    expect(allowed({ StringLikeIfExists: { 'aws:username': 'a*' } }, { 'aws:username': 'bob' })).toBe(false);
    expect(allowed({ ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:sns:*:*:t' } }, { 'aws:SourceArn': 'arn:aws:sns:r:1:t' })).toBe(true);
  });

  it('still denies through "Effect: Deny" with a negated IfExists operator when the key is missing', () => {
    const doc = one(
      policy(
        { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
        { Effect: 'Deny', Action: 'iot:Connect', Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalTag/team': 'red' } } },
      ),
    );
    expect(evaluatePolicies(doc, { action: 'iot:Connect', resource: arn('client', 'c') }).effect).toBe('ExplicitDeny');
    expect(evaluatePolicies(doc, { action: 'iot:Connect', resource: arn('client', 'c'), context: { 'aws:PrincipalTag/team': 'red' } }).allowed).toBe(true);
  });

  it('combines with ForAllValues', () => {
    expect(allowed({ 'ForAllValues:StringEqualsIfExists': { 'aws:TagKeys': 'team' } })).toBe(true);
    expect(allowed({ 'ForAllValues:StringEqualsIfExists': { 'aws:TagKeys': 'team' } }, { 'aws:TagKeys': ['team', 'env'] })).toBe(false);
  });

  // Conditions with multiple context keys or values, ForAnyValue: "For no matching key or a null dataset, the condition
  // returns false"; AWS answered so for ForAnyValue:StringEqualsIfExists on aws:TagKeys in an Allow statement
  // (re:Post QU9HFmDzP0QGuU-fd7rS6B7w: "no identity-based policy allows the sqs:listqueues action").
  it('combines with ForAnyValue: an absent key is "no matching key", false in Allow and Deny statements alike', () => {
    expect(allowed({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'team' } })).toBe(false);
    expect(allowed({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'team' } }, { 'aws:TagKeys': ['env', 'team'] })).toBe(true);
    expect(allowed({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'team' } }, { 'aws:TagKeys': ['env'] })).toBe(false);
    expect(allowed({ 'ForAnyValue:StringNotEqualsIfExists': { 'iot:ClientId': 'c2' } })).toBe(false);
    const doc = one(
      policy(
        { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
        { Effect: 'Deny', Action: 'iot:Connect', Resource: '*', Condition: { 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': 'secret*' } } },
      ),
    );
    const decide = (context: Record<string, ContextValue>) => evaluatePolicies(doc, { action: 'iot:Connect', resource: arn('client', 'c'), context }).effect;
    expect(decide({})).toBe('Allow');
    expect(decide({ 'aws:TagKeys': ['secret-a'] })).toBe('ExplicitDeny');
  });

  it('refuses operator names it does not know, including wrong capitalisation', () => {
    expect(() => allowed({ stringequals: { 'aws:username': 'a' } }, { 'aws:username': 'a' })).toThrow(/not supported/);
    expect(() => allowed({ NumericLessThanIfExists: { 'x:n': '1' } })).toThrow(/not supported/);
    expect(() => allowed({ 'ForSomeValues:StringEquals': { 'x:n': '1' } })).toThrow(/not supported/);
  });
});
