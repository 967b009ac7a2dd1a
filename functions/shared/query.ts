/** Path and query parameters of API Gateway events, checked against their contract at the edge (400 with the reason). */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as v from 'valibot';
import { ValidationError } from './errors.js';

export function pathParameter<const S extends v.GenericSchema>(event: APIGatewayProxyEventV2, name: string, schema: S): v.InferOutput<S> {
  const result = v.safeParse(schema, event.pathParameters?.[name]);
  if (!result.success) throw new ValidationError(`the ${name} in the path ${result.issues[0]?.message ?? 'is invalid'}`);
  return result.output;
}

export function queryParameter<const S extends v.GenericSchema>(event: APIGatewayProxyEventV2, name: string, schema: S): v.InferOutput<S> {
  const result = v.safeParse(schema, event.queryStringParameters?.[name]);
  if (!result.success) throw new ValidationError(`the query parameter "${name}" ${result.issues[0]?.message ?? 'is invalid'}`);
  return result.output;
}

/** A request header (API Gateway payload 2.0 lower-cases header names), checked against its contract when present. */
export function headerParameter<const S extends v.GenericSchema>(event: APIGatewayProxyEventV2, name: string, schema: S): v.InferOutput<S> | undefined {
  const raw = event.headers[name.toLowerCase()];
  if (raw === undefined) return undefined;
  const result = v.safeParse(schema, raw);
  if (!result.success) throw new ValidationError(`the ${name} header ${result.issues[0]?.message ?? 'is invalid'}`);
  return result.output;
}
