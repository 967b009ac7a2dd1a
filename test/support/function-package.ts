/**
 * Tiny Lambda functions for tests of the emulator's Lambda service: a deployment package (.zip) made on the fly from an
 * `index.mjs` source with fflate (what Lambda unpacks into LAMBDA_TASK_ROOT), and the execution role Lambda needs.
 */
import { strToU8, zipSync } from 'fflate';
import type { RoleDefinition } from '../../core/access/model.js';
import type { PolicyStatement } from '../../core/policy/document.js';
import type { RunningEmulator } from '../../local/emulator/emulator.js';
import type { CreateFunctionInput, FunctionConfiguration } from '../../local/emulator/services/lambda/service.js';

/** A .zip holding `index.mjs` with `source`, plus any other files (path -> text). */
export function functionPackage(source: string, files: Record<string, string> = {}): Uint8Array {
  const entries: Record<string, Uint8Array> = { 'index.mjs': strToU8(source) };
  for (const [path, text] of Object.entries(files)) entries[path] = strToU8(text);
  return zipSync(entries);
}

/** An execution role Lambda may assume ("Lambda execution role": trust lambda.amazonaws.com), with these statements. */
export function executionRole(emulator: RunningEmulator, name: string, statements: PolicyStatement[] = []): RoleDefinition {
  const existing = emulator.account.roleByName(name);
  if (existing) return existing;
  const role: RoleDefinition = {
    name,
    arn: `arn:aws:iam::${emulator.account.accountId}:role/${name}`,
    trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    policies: statements.length > 0 ? [{ name: `${name}-policy`, document: { Version: '2012-10-17', Statement: statements } }] : [],
    maxSessionDurationSeconds: 3600,
  };
  emulator.account.createRole(role);
  return role;
}

/** CreateFunction of a function whose `index.mjs` is `source`, with Lambda's defaults unless given. */
export function createTestFunction(
  emulator: RunningEmulator,
  name: string,
  source: string,
  overrides: Partial<Omit<CreateFunctionInput, 'functionName' | 'zip'>> = {},
): FunctionConfiguration {
  return emulator.lambda.createFunction({
    functionName: name,
    roleArn: overrides.roleArn ?? executionRole(emulator, 'test-function-role').arn,
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 3,
    memoryMb: 128,
    environment: {},
    ...overrides,
    zip: functionPackage(source),
  });
}
