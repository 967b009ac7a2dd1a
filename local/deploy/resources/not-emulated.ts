/**
 * Resource types the stack declares whose effect is outside what runs locally: CloudWatch log groups and alarms, the
 * SNS topic alarms notify, and the S3 + CloudFront hosting of the built web demo (locally the web demo is served by
 * `npm start`). They are accepted, every argument still checked by name, and report attributes in AWS's shapes so the
 * resources referring to them resolve; the emulator does nothing else with them.
 */
import * as v from 'valibot';
import { type Attributes, block, blocks, optBool, optNum, optStr, recorded, resourceType, str, strList, tags } from '../resource-type.js';

const arn = (service: string, region: string, account: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;

export const logGroup = resourceType({
  type: 'aws_cloudwatch_log_group',
  mode: 'managed',
  schema: v.strictObject({ name: str(), retention_in_days: optNum(), kms_key_id: optStr(), tags: tags() }),
  apply: (args, { emulator }): Attributes => ({
    id: args.name,
    name: args.name,
    arn: arn('logs', emulator.account.region, emulator.account.accountId, `log-group:${args.name}`),
  }),
});

export const metricAlarm = resourceType({
  type: 'aws_cloudwatch_metric_alarm',
  mode: 'managed',
  schema: v.strictObject({
    alarm_name: str(),
    alarm_description: optStr(),
    namespace: str(),
    metric_name: str(),
    dimensions: v.optional(v.record(v.string(), v.string())),
    statistic: str(),
    comparison_operator: str(),
    threshold: v.number(),
    period: v.number(),
    evaluation_periods: v.number(),
    treat_missing_data: optStr(),
    alarm_actions: v.optional(strList()),
    ok_actions: v.optional(strList()),
    tags: tags(),
  }),
  apply: (args, { emulator }): Attributes => ({
    id: args.alarm_name,
    arn: arn('cloudwatch', emulator.account.region, emulator.account.accountId, `alarm:${args.alarm_name}`),
  }),
});

export const snsTopic = resourceType({
  type: 'aws_sns_topic',
  mode: 'managed',
  schema: v.strictObject({ name: str(), kms_master_key_id: optStr(), tags: tags() }),
  apply: (args, { emulator }): Attributes => {
    const topicArn = arn('sns', emulator.account.region, emulator.account.accountId, args.name);
    return { id: topicArn, arn: topicArn, name: args.name };
  },
});

export const snsSubscription = resourceType({
  type: 'aws_sns_topic_subscription',
  mode: 'managed',
  schema: v.strictObject({ topic_arn: str(), protocol: v.picklist(['email', 'https']), endpoint: str() }),
  apply: (args, { stableId }): Attributes => ({
    id: `${args.topic_arn}:${stableId(36, '0123456789abcdef')}`,
    arn: `${args.topic_arn}:${stableId(36, '0123456789abcdef')}`,
  }),
});

export const s3Bucket = resourceType({
  type: 'aws_s3_bucket',
  mode: 'managed',
  schema: v.strictObject({ bucket_prefix: optStr(), bucket: optStr(), force_destroy: optBool(), tags: tags() }),
  apply: (args, { emulator, stableId }): Attributes => {
    const name = args.bucket ?? `${args.bucket_prefix ?? 'terraform-'}${stableId(26, '0123456789')}`;
    return {
      id: name,
      bucket: name,
      arn: `arn:aws:s3:::${name}`,
      bucket_regional_domain_name: `${name}.s3.${emulator.account.region}.amazonaws.com`,
    };
  },
});

export const s3PublicAccessBlock = resourceType({
  type: 'aws_s3_bucket_public_access_block',
  mode: 'managed',
  schema: v.strictObject({
    bucket: str(),
    block_public_acls: optBool(),
    block_public_policy: optBool(),
    ignore_public_acls: optBool(),
    restrict_public_buckets: optBool(),
  }),
  apply: (args): Attributes => ({ id: args.bucket }),
});

export const s3BucketPolicy = resourceType({
  type: 'aws_s3_bucket_policy',
  mode: 'managed',
  schema: v.strictObject({ bucket: str(), policy: str() }),
  apply: (args): Attributes => ({ id: args.bucket }),
});

export const s3Object = resourceType({
  type: 'aws_s3_object',
  mode: 'managed',
  schema: v.strictObject({ bucket: str(), key: str(), content: optStr(), source: optStr(), content_type: optStr(), cache_control: optStr(), etag: optStr() }),
  apply: (args): Attributes => ({ id: `${args.bucket}/${args.key}` }),
});

export const originAccessControl = resourceType({
  type: 'aws_cloudfront_origin_access_control',
  mode: 'managed',
  schema: v.strictObject({ name: str(), origin_access_control_origin_type: str(), signing_behavior: str(), signing_protocol: str(), description: optStr() }),
  apply: (_args, { stableId }): Attributes => ({ id: `E${stableId(13, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}` }),
});

export const distribution = resourceType({
  type: 'aws_cloudfront_distribution',
  mode: 'managed',
  schema: v.strictObject({
    enabled: v.boolean(),
    default_root_object: optStr(),
    origin: blocks({ domain_name: str(), origin_id: str(), origin_access_control_id: optStr() }),
    default_cache_behavior: block({
      target_origin_id: str(),
      viewer_protocol_policy: str(),
      allowed_methods: strList(),
      cached_methods: strList(),
      cache_policy_id: optStr(),
      compress: optBool(),
    }),
    custom_error_response: recorded('error pages of the hosted demo; locally the demo is served by npm start'),
    restrictions: block({ geo_restriction: block({ restriction_type: str(), locations: v.optional(strList()) }) }),
    viewer_certificate: block({ cloudfront_default_certificate: optBool() }),
    tags: tags(),
  }),
  apply: (_args, { emulator, stableId }): Attributes => {
    const id = `E${stableId(13, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
    return { id, arn: `arn:aws:cloudfront::${emulator.account.accountId}:distribution/${id}`, domain_name: `${id.toLowerCase()}.cloudfront.net` };
  },
});
