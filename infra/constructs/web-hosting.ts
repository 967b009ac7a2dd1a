/** Optional static hosting of the built web demo: a private S3 bucket behind CloudFront (origin access control). */
import { CloudfrontDistribution } from '@cdktn/provider-aws/lib/cloudfront-distribution/index.js';
import { CloudfrontOriginAccessControl } from '@cdktn/provider-aws/lib/cloudfront-origin-access-control/index.js';
import { S3Bucket } from '@cdktn/provider-aws/lib/s3-bucket/index.js';
import { S3BucketPolicy } from '@cdktn/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktn/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3Object } from '@cdktn/provider-aws/lib/s3-object/index.js';
import { Construct } from 'constructs';
import { policy } from '../../core/policy/document.js';
import { policyJson } from '../terraform-json.js';

export class WebHosting extends Construct {
  readonly bucket: S3Bucket;
  readonly distribution: CloudfrontDistribution;
  /** The origin browsers load the demo from (`https://<id>.cloudfront.net`): the API's CORS must allow it. */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: { namePrefix: string }) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', { bucketPrefix: `${props.namePrefix}-web-`, forceDestroy: true });
    new S3BucketPublicAccessBlock(this, 'no-public', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const oac = new CloudfrontOriginAccessControl(this, 'oac', {
      name: `${props.namePrefix}-web`,
      originAccessControlOriginType: 's3',
      signingBehavior: 'always',
      signingProtocol: 'sigv4',
    });
    this.distribution = new CloudfrontDistribution(this, 'cdn', {
      enabled: true,
      defaultRootObject: 'index.html',
      origin: [{ domainName: this.bucket.bucketRegionalDomainName, originId: 's3', originAccessControlId: oac.id }],
      defaultCacheBehavior: {
        targetOriginId: 's3',
        viewerProtocolPolicy: 'redirect-to-https',
        allowedMethods: ['GET', 'HEAD'],
        cachedMethods: ['GET', 'HEAD'],
        // AWS managed policy "CachingOptimized".
        cachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
        compress: true,
      },
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      viewerCertificate: { cloudfrontDefaultCertificate: true },
    });
    this.origin = `https://${this.distribution.domainName}`;
    new S3BucketPolicy(this, 'policy', {
      bucket: this.bucket.id,
      policy: policyJson(
        policy({
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: `${this.bucket.arn}/*`,
          Condition: { StringEquals: { 'AWS:SourceArn': this.distribution.arn } },
        }),
      ),
    });
  }

  /** The web demo's runtime config, served next to the app. */
  publishConfig(json: string): void {
    new S3Object(this, 'config', { bucket: this.bucket.id, key: 'config.json', content: json, contentType: 'application/json', cacheControl: 'no-cache' });
  }
}
