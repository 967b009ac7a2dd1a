/**
 * Reading Terraform JSON as Terraform reads it ("JSON Configuration Syntax", "String Templates",
 * https://developer.hashicorp.com/terraform/language/syntax/json): every string is a template, `${...}` interpolates,
 * `$${` and `%%{` are literal `${` and `%{`; the applier understands references only and refuses the rest by name.
 */
import {
  blocksOf,
  checkOutputs,
  parseTerraformJson,
  type Reference,
  referencesIn,
  resolveValue,
  type TerraformJson,
  type TerraformValue,
  UnsupportedConfigurationError,
} from './terraform-json.js';

const attributes: Record<string, Record<string, TerraformValue>> = {
  'aws_sqs_queue.jobs': { arn: 'arn:aws:sqs:us-east-1:000000000000:jobs', url: 'http://q/jobs', delay: 5, tags: ['a', 'b'] },
  'data.aws_caller_identity.caller': { account_id: '000000000000' },
};
const lookup = (reference: Reference): TerraformValue => {
  const value = attributes[reference.address]?.[reference.attribute];
  if (value === undefined) throw new Error(`no ${reference.address}.${reference.attribute}`);
  return value;
};
const resolve = (value: TerraformValue) => resolveValue(value, lookup, 'test');

describe('templates', () => {
  it('finds references to resources and data sources, in strings, lists and objects', () => {
    expect(
      referencesIn(
        {
          a: '${aws_sqs_queue.jobs.arn}',
          b: ['prefix-${data.aws_caller_identity.caller.account_id}-suffix', 3, true, null],
          c: { d: 'x ${ aws_sqs_queue.jobs.url } y' },
        },
        'test',
      ),
    ).toEqual([
      { address: 'aws_sqs_queue.jobs', attribute: 'arn' },
      { address: 'data.aws_caller_identity.caller', attribute: 'account_id' },
      { address: 'aws_sqs_queue.jobs', attribute: 'url' },
    ]);
  });

  it('resolves a lone interpolation to the attribute itself (numbers and lists stay what they are)', () => {
    expect(resolve('${aws_sqs_queue.jobs.delay}')).toBe(5);
    expect(resolve('${aws_sqs_queue.jobs.tags}')).toEqual(['a', 'b']);
    expect(resolve('${aws_sqs_queue.jobs.arn}')).toBe('arn:aws:sqs:us-east-1:000000000000:jobs');
  });

  it('interpolates inside text, numbers as written', () => {
    expect(resolve('arn:aws:iam::${data.aws_caller_identity.caller.account_id}:root (delay ${aws_sqs_queue.jobs.delay})')).toBe(
      'arn:aws:iam::000000000000:root (delay 5)',
    );
    expect(resolve({ list: ['${aws_sqs_queue.jobs.url}/x'], n: 1, ok: false, none: null })).toEqual({ list: ['http://q/jobs/x'], n: 1, ok: false, none: null });
  });

  it('refuses a list or object inside text (Terraform cannot convert it to a string either)', () => {
    expect(() => resolve('tags: ${aws_sqs_queue.jobs.tags}')).toThrow(/aws_sqs_queue\.jobs\.tags\} is not a string/);
  });

  it('keeps $${ and %%{ as the literal ${ and %{ and does not read them as references', () => {
    const policy = '{"Resource":"arn:aws:iot:*:*:client/$${iot:ClientId}","Note":"%%{ not a directive }"}';
    expect(referencesIn(policy, 'test')).toEqual([]);
    expect(resolve(policy)).toBe('{"Resource":"arn:aws:iot:*:*:client/${iot:ClientId}","Note":"%{ not a directive }"}');
    // Escapes and a real reference side by side.
    expect(resolve('$${a}-${aws_sqs_queue.jobs.delay}-%%{b}')).toBe('${a}-5-%{b}');
  });

  it.each([
    ['a template directive', 'x %{ if true }y%{ endif }', /template directives \(%\{\.\.\.\}\) are not understood/],
    ['a function call', '${jsonencode(aws_sqs_queue.jobs.arn)}', /the expression \$\{jsonencode\(aws_sqs_queue\.jobs\.arn\)\} is not understood/],
    ['a variable', '${var.stage}-x', /the expression \$\{var\.stage\} is not understood/],
    ['a local value', '${local.name}', /the expression \$\{local\.name\} is not understood/],
    ['an index', '${aws_sqs_queue.jobs.tags[0]}', /is not understood by the local applier/],
    ['a conditional', '${true ? "a" : "b"}', /is not understood by the local applier/],
    ['arithmetic', '${aws_sqs_queue.jobs.delay + 1}', /is not understood by the local applier/],
    ['an unterminated interpolation', 'x ${aws_sqs_queue.jobs.arn', /unterminated interpolation/],
  ])('refuses %s by name', (_name, text, message) => {
    expect(() => referencesIn(text, 'aws_iam_role.r')).toThrow(UnsupportedConfigurationError);
    expect(() => referencesIn(text, 'aws_iam_role.r')).toThrow(message);
    // The message names where it was found.
    expect(() => referencesIn(text, 'aws_iam_role.r')).toThrow(/^aws_iam_role\.r: /);
  });

  it('leaves text without templates as it is', () => {
    expect(resolve('plain $ text { with } braces % and $')).toBe('plain $ text { with } braces % and $');
    expect(resolve('')).toBe('');
  });
});

describe('parseTerraformJson and blocksOf', () => {
  it('refuses text that is not a JSON object, and top-level blocks the applier does not know', () => {
    expect(() => parseTerraformJson('{')).toThrow(/not valid JSON/);
    expect(() => parseTerraformJson('[]')).toThrow(/must be an object/);
    expect(() => parseTerraformJson('{"variable":{"stage":{}}}')).toThrow(/top-level block "variable" is not understood/);
    expect(() => parseTerraformJson('{"module":{}}')).toThrow(/top-level block "module"/);
    expect(parseTerraformJson('{"//":{"metadata":{}},"resource":{},"terraform":{}}')).toEqual({ '//': { metadata: {} }, resource: {}, terraform: {} });
  });

  it('reads resources and data sources with their addresses, arguments and depends_on', () => {
    const json: TerraformJson = {
      resource: {
        aws_sqs_queue: {
          jobs: {
            name: 'jobs',
            '//': { metadata: { path: 'x' } },
            depends_on: ['aws_iam_role.r', 'data.aws_region.here'],
            lifecycle: { prevent_destroy: true },
            provider: 'aws',
          },
        },
      },
      data: { aws_region: { here: {} } },
    };
    expect(blocksOf(json)).toEqual([
      {
        address: 'aws_sqs_queue.jobs',
        mode: 'managed',
        type: 'aws_sqs_queue',
        name: 'jobs',
        args: { name: 'jobs' },
        dependsOn: ['aws_iam_role.r', 'data.aws_region.here'],
      },
      { address: 'data.aws_region.here', mode: 'data', type: 'aws_region', name: 'here', args: {}, dependsOn: [] },
    ]);
  });

  it.each(['count', 'for_each', 'provisioner', 'connection'])('refuses the meta-argument %s by name', (meta) => {
    const json: TerraformJson = { resource: { aws_sqs_queue: { jobs: { name: 'jobs', [meta]: 2 } } } };
    expect(() => blocksOf(json)).toThrow(
      new UnsupportedConfigurationError(`aws_sqs_queue.jobs: the meta-argument "${meta}" is not understood by the local applier`),
    );
  });

  it('refuses another provider, malformed depends_on, unknown lifecycle arguments and bodies that are not objects', () => {
    const one = (body: TerraformValue) => blocksOf({ resource: { aws_sqs_queue: { q: body as never } } });
    expect(() => one({ provider: 'aws.west' })).toThrow(/provider "aws.west" is not the one aws provider/);
    expect(() => one({ depends_on: 'aws_iam_role.r' })).toThrow(/depends_on must list resource addresses/);
    expect(() => one({ depends_on: ['aws_iam_role.r.arn'] })).toThrow(/depends_on must list resource addresses/);
    expect(() => one({ lifecycle: { postcondition: {} } })).toThrow(/lifecycle argument "postcondition" is not understood/);
    expect(() => one({ lifecycle: [] })).toThrow(/lifecycle must be a block/);
    expect(() => one(['x'])).toThrow(/aws_sqs_queue\.q: its body must be an object/);
  });

  it('checks output arguments by name', () => {
    expect(() => checkOutputs({ output: { url: { value: 'x', description: 'd', sensitive: false } } })).not.toThrow();
    expect(() => checkOutputs({ output: { url: { value: 'x', precondition: {} } } })).toThrow(/output url: argument "precondition" is not understood/);
  });
});
