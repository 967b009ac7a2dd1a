/** Synthesis of the tables construct alone: the Terraform JSON of every table, as it would be applied. */
import { TerraformOutput, Testing } from 'cdktn';
import { MEMBERSHIPS_TABLE, MESSAGES_TABLE, PRESENCE_TABLE, RATE_LIMITS_TABLE, TABLES } from '../../core/store/tables.js';
import { Tables } from '../constructs/tables.js';
import type { TerraformJson } from './synthesized.js';

const deployment = { app: 'iot-realtime', stage: 'test' };

function synth(deletionProtection: boolean) {
  let construct: Tables | undefined;
  const json = JSON.parse(
    Testing.synthScope((scope) => {
      construct = new Tables(scope, 'tables', { deployment, deletionProtection });
      new TerraformOutput(scope, 'messages-arn', { value: construct.arnOf(MESSAGES_TABLE) });
    }),
  ) as TerraformJson;
  const tables = Object.values(json.resource.aws_dynamodb_table ?? {});
  return { construct: construct!, json, tables, byName: (name: string) => tables.find((t) => t.name === name) };
}

describe('Tables', () => {
  const { construct, json, tables, byName } = synth(true);

  it('creates one table per definition, named <app>-<stage>-<purpose>', () => {
    expect(tables.map((t) => t.name).sort()).toEqual(TABLES.map((t) => `iot-realtime-test-${t.purpose}`).sort());
    expect(construct.nameOf(MEMBERSHIPS_TABLE)).toBe('iot-realtime-test-memberships');
    // The ARN is a reference to the table resource, so whatever uses it depends on the table.
    expect(json.output['messages-arn']?.value).toMatch(/^\$\{aws_dynamodb_table\.tables_messages_[A-Z0-9]+\.arn\}$/);
    expect(() => construct.nameOf({ ...MESSAGES_TABLE })).toThrow(/not part of this construct/);
  });

  it('makes every table on demand, with default encryption, and point-in-time recovery where the data is worth restoring', () => {
    for (const table of tables) {
      const shortLived = [
        'iot-realtime-test-ratelimits',
        'iot-realtime-test-presence',
        'iot-realtime-test-idempotency',
        'iot-realtime-test-jobs',
        'iot-realtime-test-broadcasts',
      ].includes(String(table.name));
      expect(table).toMatchObject({ billing_mode: 'PAY_PER_REQUEST', point_in_time_recovery: { enabled: !shortLived }, deletion_protection_enabled: true });
      // Provisioned capacity would contradict on-demand billing; a KMS block would replace the AWS owned key.
      expect(table).not.toHaveProperty('read_capacity');
      expect(table).not.toHaveProperty('server_side_encryption');
    }
  });

  it('gives memberships its keys and the byUser and bySeniority indexes projecting ALL, declaring each key attribute once', () => {
    expect(byName('iot-realtime-test-memberships')).toMatchObject({
      hash_key: 'pk',
      range_key: 'sk',
      attribute: [
        { name: 'pk', type: 'S' },
        { name: 'sk', type: 'S' },
        { name: 'gsi1pk', type: 'S' },
        { name: 'gsi1sk', type: 'S' },
        { name: 'gsi2pk', type: 'S' },
        { name: 'gsi2sk', type: 'S' },
      ],
      global_secondary_index: [
        { name: 'byUser', hash_key: 'gsi1pk', range_key: 'gsi1sk', projection_type: 'ALL' },
        { name: 'bySeniority', hash_key: 'gsi2pk', range_key: 'gsi2sk', projection_type: 'ALL' },
      ],
    });
    expect(byName('iot-realtime-test-memberships')).not.toHaveProperty('ttl');
  });

  it('gives the user directory a single key and no index (nothing can list it), and the idempotency records a TTL', () => {
    const users = byName('iot-realtime-test-users');
    expect(users).toMatchObject({ hash_key: 'pk', attribute: [{ name: 'pk', type: 'S' }], point_in_time_recovery: { enabled: true } });
    expect(users).not.toHaveProperty('range_key');
    expect(users).not.toHaveProperty('global_secondary_index');
    expect(byName('iot-realtime-test-idempotency')).toMatchObject({
      hash_key: 'pk',
      attribute: [{ name: 'pk', type: 'S' }],
      ttl: { attribute_name: 'expiresAt', enabled: true },
      point_in_time_recovery: { enabled: false },
    });
  });

  it('gives messages its keys and TTL on expiresAt', () => {
    const messages = byName('iot-realtime-test-messages');
    expect(messages).toMatchObject({ hash_key: 'roomId', range_key: 'messageId', ttl: { attribute_name: 'expiresAt', enabled: true } });
    expect(messages?.attribute).toEqual([
      { name: 'roomId', type: 'S' },
      { name: 'messageId', type: 'S' },
    ]);
    expect(messages).not.toHaveProperty('global_secondary_index');
  });

  it('gives the rate limits a single key and TTL on expiresAt, without backups (counters of the last minutes)', () => {
    expect(construct.nameOf(RATE_LIMITS_TABLE)).toBe('iot-realtime-test-ratelimits');
    expect(byName('iot-realtime-test-ratelimits')).toMatchObject({
      hash_key: 'pk',
      attribute: [{ name: 'pk', type: 'S' }],
      ttl: { attribute_name: 'expiresAt', enabled: true },
      point_in_time_recovery: { enabled: false },
    });
    expect(byName('iot-realtime-test-ratelimits')).not.toHaveProperty('range_key');
  });

  it('gives presence one item per user (userId) with TTL on expiresAt, without backups (who is connected now)', () => {
    expect(construct.nameOf(PRESENCE_TABLE)).toBe('iot-realtime-test-presence');
    expect(byName('iot-realtime-test-presence')).toMatchObject({
      hash_key: 'userId',
      attribute: [{ name: 'userId', type: 'S' }],
      ttl: { attribute_name: 'expiresAt', enabled: true },
      point_in_time_recovery: { enabled: false },
    });
    expect(byName('iot-realtime-test-presence')).not.toHaveProperty('range_key');
  });

  it('leaves deletion protection off when asked (e.g. a dev stage)', () => {
    for (const table of synth(false).tables) expect(table.deletion_protection_enabled).toBe(false);
  });
});
