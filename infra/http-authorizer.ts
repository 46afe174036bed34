import { Duration, Names, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The HTTP API Lambda authorizer, built from public API only: an `HttpAuthorizer` with payload format 2.0 (the
 * certificate is read from `requestContext.authentication.clientCert`, which only 2.0 has; 2.0 carries IAM policy
 * responses as well as simple ones), result caching off, and no identity source (optional when caching is off, so
 * API Gateway invokes the authorizer for every request). CDK's `HttpLambdaAuthorizer` picks 1.0 unless simple
 * responses are on, which is why this is not one.
 */
export class CrlHttpAuthorizer implements apigwv2.IHttpRouteAuthorizer {
  private authorizer?: apigwv2.HttpAuthorizer;
  private boundApiId?: string;

  constructor(
    private readonly id: string,
    private readonly handler: lambda.IFunction,
    private readonly simpleResponses: boolean,
  ) {}

  bind(options: apigwv2.HttpRouteAuthorizerBindOptions): apigwv2.HttpRouteAuthorizerConfig {
    const api = options.route.httpApi;
    if (this.authorizer && this.boundApiId !== api.apiId) {
      throw new Error('CrlAuthorizer: httpAuthorizer is already attached to another HTTP API (an authorizer belongs to one)');
    }
    if (!this.authorizer) {
      this.boundApiId = api.apiId;
      const stack = Stack.of(this.handler);
      this.authorizer = new apigwv2.HttpAuthorizer(options.scope, this.id, {
        httpApi: api,
        type: apigwv2.HttpAuthorizerType.LAMBDA,
        authorizerName: this.id,
        identitySource: [],
        payloadFormatVersion: apigwv2.AuthorizerPayloadVersion.VERSION_2_0,
        ...(this.simpleResponses && { enableSimpleResponses: true }),
        resultsCacheTtl: Duration.seconds(0),
        authorizerUri:
          `arn:${stack.partition}:apigateway:${stack.region}:lambda:path/2015-03-31/functions/` +
          `${this.handler.functionArn}/invocations`,
      });
      // HttpAuthorizer requires the list; an empty one is no identity source, so the property is left out.
      (this.authorizer.node.defaultChild as apigwv2.CfnAuthorizer).identitySource = undefined;
      this.handler.addPermission(`${Names.nodeUniqueId(this.authorizer.node)}-Permission`, {
        scope: options.scope,
        principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: Stack.of(options.route).formatArn({
          service: 'execute-api',
          resource: api.apiId,
          resourceName: `authorizers/${this.authorizer.authorizerId}`,
        }),
      });
    }
    return { authorizerId: this.authorizer.authorizerId, authorizationType: 'CUSTOM' };
  }

}
