/** IAM / IoT policy document shapes (the JSON that AWS receives; IoT policies use the same grammar). */

export type PolicyEffect = 'Allow' | 'Deny';
export type OneOrMany<T> = T | T[];

export type PrincipalBlock = '*' | Partial<Record<'AWS' | 'Service' | 'Federated', OneOrMany<string>>>;

export type ConditionBlock = Record<string, Record<string, OneOrMany<string> | boolean>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: PolicyEffect;
  Action?: OneOrMany<string>;
  NotAction?: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  NotResource?: OneOrMany<string>;
  Principal?: PrincipalBlock;
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export const POLICY_VERSION = '2012-10-17' as const;

export function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: POLICY_VERSION, Statement: statements };
}

export function toArray<T>(value: OneOrMany<T> | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Size as AWS counts it for IoT policies and STS inline session policies: characters excluding whitespace. */
export function policySizeWithoutWhitespace(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}
