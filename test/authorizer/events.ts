/**
 * Authorizer events modelled on the examples in AWS's API Gateway developer guide ("Input to a Lambda
 * authorizer" for REST APIs, "Payload format version" 1.0 and 2.0 for HTTP APIs), with a real client
 * certificate in `clientCertPem`. The DN and serial fields beside it carry deliberately wrong values: the
 * authorizer must read only the certificate.
 */

const MISLEADING = {
  subjectDN: 'CN=not-the-real-subject',
  issuerDN: 'CN=not-the-real-issuer',
  serialNumber: '00',
  validity: { notBefore: 'May 28 12:30:02 2019 GMT', notAfter: 'Aug  5 09:36:04 2021 GMT' },
};

export const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request';
export const ROUTE_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request';

export function restEvent(pem?: string): Record<string, unknown> {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/request',
    path: '/request',
    httpMethod: 'GET',
    headers: { 'X-Amz-Date': '20170718T062915Z', Accept: '*/*', HeaderAuth1: 'headerValue1' },
    multiValueHeaders: { Accept: ['*/*'], HeaderAuth1: ['headerValue1'] },
    queryStringParameters: { QueryString1: 'queryValue1' },
    multiValueQueryStringParameters: { QueryString1: ['queryValue1'] },
    pathParameters: {},
    stageVariables: { StageVar1: 'stageValue1' },
    requestContext: {
      path: '/request',
      accountId: '123456789012',
      resourceId: '05c7jb',
      stage: 'test',
      requestId: 'rest-request-id',
      identity: {
        apiKey: null,
        sourceIp: '192.0.2.10',
        ...(pem === undefined ? {} : { clientCert: { clientCertPem: pem, ...MISLEADING } }),
      },
      resourcePath: '/request',
      httpMethod: 'GET',
      apiId: 'abcdef123',
    },
  };
}

export function http1Event(pem?: string): Record<string, unknown> {
  return {
    version: '1.0',
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    identitySource: 'user1,123',
    authorizationToken: 'user1,123',
    resource: '/request',
    path: '/request',
    httpMethod: 'GET',
    headers: { Header1: 'value1', Header2: 'value2' },
    queryStringParameters: { parameter1: 'value1' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef123',
      domainName: 'id.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'id',
      extendedRequestId: 'request-id',
      httpMethod: 'GET',
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        sourceIp: '192.0.2.11',
        user: null,
        userAgent: 'curl/8.5.0',
        userArn: null,
        ...(pem === undefined ? {} : { clientCert: { clientCertPem: pem, ...MISLEADING } }),
      },
      path: '/request',
      protocol: 'HTTP/1.1',
      requestId: 'http1-request-id',
      requestTime: '04/Mar/2020:19:15:17 +0000',
      requestTimeEpoch: 1583349317135,
      resourceId: 'GET /request',
      resourcePath: '/request',
      stage: '$default',
    },
  };
}

export function http2Event(pem?: string): Record<string, unknown> {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: ROUTE_ARN,
    identitySource: ['user1', '123'],
    routeKey: '$default',
    rawPath: '/my/path',
    rawQueryString: 'parameter1=value1',
    cookies: ['cookie1'],
    headers: { header1: 'value1' },
    queryStringParameters: { parameter1: 'value1' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      ...(pem === undefined ? {} : { authentication: { clientCert: { clientCertPem: pem, ...MISLEADING } } }),
      domainName: 'id.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'id',
      http: { method: 'GET', path: '/my/path', protocol: 'HTTP/1.1', sourceIp: '192.0.2.12', userAgent: 'agent' },
      requestId: 'http2-request-id',
      routeKey: '$default',
      stage: '$default',
      time: '12/Mar/2020:19:03:58 +0000',
      timeEpoch: 1583348638390,
    },
    pathParameters: { parameter1: 'value1' },
    stageVariables: { stageVariable1: 'value1' },
  };
}
