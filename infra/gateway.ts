import * as apigw from 'aws-cdk-lib/aws-apigateway';

/**
 * Explains a Deny at the gateway: API Gateway's ACCESS_DENIED response (403) carries the authorizer's decision
 * code (`cert.revoked`, `crl.expired`, `index.not-covered`, ...) from `$context.authorizer.code`.
 */
export function addAccessDeniedResponse(api: apigw.IRestApi): apigw.GatewayResponse {
  return new apigw.GatewayResponse(api.node.scope ?? api, `${api.node.id}CrlAccessDenied`, {
    restApi: api,
    type: apigw.ResponseType.ACCESS_DENIED,
    statusCode: '403',
    templates: {
      'application/json':
        '{"message":$context.error.messageString,"code":"$context.authorizer.code",' +
        '"requestId":"$context.requestId"}',
    },
  });
}

/** An access-log line per request with the authorizer's decision code and the client certificate's serial. */
export function crlAccessLogFormat(): apigw.AccessLogFormat {
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      time: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      method: '$context.httpMethod',
      path: '$context.resourcePath',
      status: '$context.status',
      authorizerCode: '$context.authorizer.code',
      authorizerStatus: '$context.authorizer.status',
      authorizerError: '$context.authorizer.error',
      principal: '$context.authorizer.principalId',
      clientCertSerial: '$context.identity.clientCert.serialNumber',
      clientCertIssuer: '$context.identity.clientCert.issuerDN',
      responseLatency: '$context.responseLatency',
    }),
  );
}
