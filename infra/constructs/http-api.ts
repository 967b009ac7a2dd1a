/** The HTTP API: Lambda proxy integrations (payload 2.0), CORS for the web demo, `$default` stage, throttling. */
import { Apigatewayv2Api } from '@cdktn/provider-aws/lib/apigatewayv2-api/index.js';
import { Apigatewayv2Integration } from '@cdktn/provider-aws/lib/apigatewayv2-integration/index.js';
import { Apigatewayv2Route } from '@cdktn/provider-aws/lib/apigatewayv2-route/index.js';
import { Apigatewayv2Stage } from '@cdktn/provider-aws/lib/apigatewayv2-stage/index.js';
import type { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function/index.js';
import { LambdaPermission } from '@cdktn/provider-aws/lib/lambda-permission/index.js';
import { Construct } from 'constructs';
import { API_CORS } from '../../functions/catalog.js';

export class HttpApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;

  constructor(scope: Construct, id: string, props: { name: string; webOrigins: string[]; throttle: { burstLimit: number; rateLimit: number } }) {
    super(scope, id);
    this.api = new Apigatewayv2Api(this, 'api', {
      name: props.name,
      protocolType: 'HTTP',
      corsConfiguration: {
        allowOrigins: props.webOrigins,
        allowMethods: [...API_CORS.allowMethods],
        allowHeaders: [...API_CORS.allowHeaders],
        exposeHeaders: [...API_CORS.exposeHeaders],
        maxAge: API_CORS.maxAgeSeconds,
      },
    });
    this.stage = new Apigatewayv2Stage(this, 'stage', {
      apiId: this.api.id,
      name: '$default',
      autoDeploy: true,
      defaultRouteSettings: { throttlingBurstLimit: props.throttle.burstLimit, throttlingRateLimit: props.throttle.rateLimit },
    });
  }

  /** One Lambda proxy integration per function, one route per (method, path) of the catalog. */
  routes(id: string, routes: ReadonlyArray<{ method: string; path: string }>, fn: LambdaFunction): void {
    const integration = new Apigatewayv2Integration(this, `${id}-integration`, {
      apiId: this.api.id,
      integrationType: 'AWS_PROXY',
      integrationUri: fn.invokeArn,
      integrationMethod: 'POST',
      // Terraform's default is 1.0; the handlers read payload format 2.0 events.
      payloadFormatVersion: '2.0',
    });
    routes.forEach((r, i) => {
      new Apigatewayv2Route(this, `${id}-route-${i}`, { apiId: this.api.id, routeKey: `${r.method} ${r.path}`, target: `integrations/${integration.id}` });
    });
    new LambdaPermission(this, `${id}-permission`, {
      statementId: 'AllowHttpApiInvoke',
      action: 'lambda:InvokeFunction',
      functionName: fn.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.api.executionArn}/*/*`,
    });
  }
}
