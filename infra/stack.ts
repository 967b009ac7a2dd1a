/**
 * The whole backend of one stage as a CDK Terrain (cdktn) stack: the AWS provider, the state backend, and the Realtime
 * construct (infra/constructs/realtime.ts), which holds everything else. (CDK Terrain is the maintained continuation of
 * terraform-cdk, which was archived in December 2025; same API, and the synthesized JSON was diffed equal resource for
 * resource when we moved: see docs/architecture.md, ADR 5.)
 */
import { AwsProvider } from '@cdktn/provider-aws/lib/provider/index.js';
import { LocalBackend, S3Backend, TerraformStack } from 'cdktn';
import type { Construct } from 'constructs';
import type { AccessModel, FunctionName } from '../core/access/model.js';
import type { InfraConfig } from './config.js';
import type { Alarms } from './constructs/alarms.js';
import type { HttpApi } from './constructs/http-api.js';
import type { RealtimeFunction } from './constructs/lambda-function.js';
import type { Notifications } from './constructs/notifications.js';
import { Realtime } from './constructs/realtime.js';
import type { TopicRules } from './constructs/topic-rules.js';

export class RealtimeStack extends TerraformStack {
  readonly realtime: Realtime;

  constructor(scope: Construct, id: string, config: InfraConfig) {
    super(scope, id);
    // The Terraform this stack is for: >= 1.10, for S3 state locking with a lock file (`use_lockfile`). Declared to CDK
    // Terrain's target-version validation (before any child exists) and to Terraform itself (`required_version`).
    this.node.setContext('targetVersions', { terraform: '>=1.10.0' });
    new AwsProvider(this, 'aws', { region: config.region, defaultTags: [{ tags: { app: config.app, stage: config.stage } }] });
    // State: an S3 bucket locked with a lock file (Terraform >= 1.10, "use_lockfile") when one is configured; otherwise a
    // local file in the repository's git-ignored .terraform-state/, by a path relative to the stack's folder (so the
    // synthesized JSON names no absolute path of this machine).
    this.addOverride('terraform.required_version', '>= 1.10.0');
    if (config.stateBackend) {
      new S3Backend(this, {
        bucket: config.stateBackend.bucket,
        key: config.stateBackend.key,
        region: config.stateBackend.region,
        useLockfile: true,
        encrypt: true,
      });
    } else {
      new LocalBackend(this, { path: `../../../../.terraform-state/${id}.tfstate` });
    }
    const { stateBackend: _backend, ...props } = config;
    // "Default" is left out of resource addresses (CDK Terrain's unique ids): the addresses are those of the resources
    // created directly in the stack before the construct existed.
    this.realtime = new Realtime(this, 'Default', props);
  }

  get model(): AccessModel {
    return this.realtime.model;
  }

  get functions(): Map<FunctionName, RealtimeFunction> {
    return this.realtime.functions;
  }

  get api(): HttpApi {
    return this.realtime.api;
  }

  get topicRules(): TopicRules {
    return this.realtime.topicRules;
  }

  get notifications(): Notifications {
    return this.realtime.notifications;
  }

  get alarms(): Alarms {
    return this.realtime.alarms;
  }
}
