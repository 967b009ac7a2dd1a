/** API Gateway HTTP APIs: the API with its CORS, its $default stage with throttling, Lambda proxy integrations, routes. */
import * as v from 'valibot';
import { block, optBool, optNum, optStr, recorded, resourceType, str, strList, tags } from '../resource-type.js';

function httpApi(emulator: { httpApi: import('../../emulator/services/apigateway/http-api.js').HttpApiService | undefined }) {
  if (!emulator.httpApi) throw new Error('the emulator was started without an HTTP API port');
  return emulator.httpApi;
}

export const api = resourceType({
  type: 'aws_apigatewayv2_api',
  mode: 'managed',
  schema: v.strictObject({
    name: str(),
    protocol_type: str(),
    cors_configuration: v.optional(
      block({
        allow_origins: v.optional(strList()),
        allow_methods: v.optional(strList()),
        allow_headers: v.optional(strList()),
        expose_headers: v.optional(strList()),
        max_age: optNum(),
        allow_credentials: optBool(),
      }),
    ),
    description: optStr(),
    tags: tags(),
  }),
  apply(args, { emulator }) {
    const cors = args.cors_configuration;
    const created = httpApi(emulator).createApi({
      name: args.name,
      protocolType: args.protocol_type,
      ...(cors
        ? {
            cors: {
              allowOrigins: cors.allow_origins ?? [],
              allowMethods: cors.allow_methods ?? [],
              allowHeaders: cors.allow_headers ?? [],
              exposeHeaders: cors.expose_headers ?? [],
              ...(cors.max_age !== undefined ? { maxAgeSeconds: cors.max_age } : {}),
              ...(cors.allow_credentials !== undefined ? { allowCredentials: cors.allow_credentials } : {}),
            },
          }
        : {}),
    });
    return {
      id: created.id,
      name: args.name,
      api_endpoint: created.apiEndpoint,
      execution_arn: created.executionArn,
      arn: `arn:aws:apigateway:${emulator.account.region}::/apis/${created.id}`,
    };
  },
});

export const stage = resourceType({
  type: 'aws_apigatewayv2_stage',
  mode: 'managed',
  schema: v.strictObject({
    api_id: str(),
    name: str(),
    auto_deploy: v.optional(v.literal(true)),
    default_route_settings: v.optional(block({ throttling_burst_limit: optNum(), throttling_rate_limit: optNum() })),
    access_log_settings: recorded('access logs go to CloudWatch Logs, which is not emulated'),
    tags: tags(),
  }),
  apply(args, { emulator }) {
    const settings = args.default_route_settings;
    const throttle =
      settings?.throttling_burst_limit !== undefined && settings.throttling_rate_limit !== undefined
        ? { burstLimit: settings.throttling_burst_limit, rateLimit: settings.throttling_rate_limit }
        : undefined;
    const { invokeUrl } = httpApi(emulator).createStage(args.api_id, { name: args.name, ...(throttle ? { throttle } : {}) });
    const { region, accountId } = emulator.account;
    return { id: args.name, name: args.name, invoke_url: invokeUrl, execution_arn: `arn:aws:execute-api:${region}:${accountId}:${args.api_id}/${args.name}` };
  },
});

export const integration = resourceType({
  type: 'aws_apigatewayv2_integration',
  mode: 'managed',
  schema: v.strictObject({
    api_id: str(),
    integration_type: str(),
    integration_uri: str(),
    integration_method: v.optional(v.literal('POST')),
    payload_format_version: optStr(),
    timeout_milliseconds: optNum(),
  }),
  apply(args, { emulator }) {
    const { id } = httpApi(emulator).createIntegration(args.api_id, {
      integrationType: args.integration_type,
      integrationUri: args.integration_uri,
      // Terraform's default payload format is 1.0 (the API's default for Lambda proxy integrations).
      payloadFormatVersion: args.payload_format_version ?? '1.0',
      ...(args.timeout_milliseconds !== undefined ? { timeoutMs: args.timeout_milliseconds } : {}),
    });
    return { id, integration_response_selection_expression: '' };
  },
});

export const route = resourceType({
  type: 'aws_apigatewayv2_route',
  mode: 'managed',
  schema: v.strictObject({ api_id: str(), route_key: str(), target: optStr() }),
  apply(args, { emulator }) {
    if (!args.target) throw new Error(`route ${args.route_key} has no target`);
    const { id } = httpApi(emulator).createRoute(args.api_id, { routeKey: args.route_key, target: args.target });
    return { id, route_key: args.route_key };
  },
});
