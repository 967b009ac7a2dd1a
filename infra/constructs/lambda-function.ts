/** One Lambda: its own role (trust from the access model, least-privilege inline policies), log group and bundle. */
import { CloudwatchLogGroup } from '@cdktn/provider-aws/lib/cloudwatch-log-group/index.js';
import { IamRole } from '@cdktn/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktn/provider-aws/lib/iam-role-policy/index.js';
import { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function/index.js';
import { AssetType, TerraformAsset } from 'cdktn';
import { Construct } from 'constructs';
import type { RoleDefinition } from '../../core/access/model.js';
import { policy } from '../../core/policy/document.js';
import type { FunctionDefinition } from '../../functions/catalog.js';
import { policyJson } from '../terraform-json.js';

export interface RealtimeFunctionProps {
  definition: FunctionDefinition;
  /** `<app>-<stage>-<function>` (core/deployment.ts functionName). */
  functionName: string;
  role: RoleDefinition;
  bundleDir: string;
  environment: Record<string, string>;
  logRetentionDays: number;
  region: string;
  accountId: string;
}

export class RealtimeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  /** The role's inline policies: what depends on the role's permissions (an event source mapping) depends on them. */
  readonly rolePolicies: IamRolePolicy[] = [];
  /** The function's name, a literal known at synth time (`<app>-<stage>-<function>`). */
  readonly name: string;

  constructor(scope: Construct, id: string, props: RealtimeFunctionProps) {
    super(scope, id);
    const { definition, role } = props;
    const functionName = props.functionName;
    this.name = functionName;
    const logGroup = new CloudwatchLogGroup(this, 'logs', { name: `/aws/lambda/${functionName}`, retentionInDays: props.logRetentionDays });
    this.role = new IamRole(this, 'role', { name: role.name, assumeRolePolicy: policyJson(role.trust) });
    for (const p of role.policies)
      this.rolePolicies.push(new IamRolePolicy(this, `policy-${p.name}`, { role: this.role.id, name: p.name, policy: policyJson(p.document) }));
    // Logging to its own log group only (instead of AWSLambdaBasicExecutionRole's logs:* on every group).
    new IamRolePolicy(this, 'policy-logs', {
      role: this.role.id,
      name: `${role.name}-logs`,
      policy: policyJson(policy({ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroup.arn}:*` })),
    });
    const bundle = new TerraformAsset(this, 'bundle', { path: props.bundleDir, type: AssetType.ARCHIVE });
    this.function = new LambdaFunction(this, 'function', {
      functionName,
      role: this.role.arn,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      filename: bundle.path,
      sourceCodeHash: bundle.assetHash,
      timeout: definition.timeoutSeconds,
      memorySize: definition.memoryMb,
      environment: { variables: { NODE_OPTIONS: '--enable-source-maps', ...props.environment } },
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
      dependsOn: [logGroup],
    });
  }
}
