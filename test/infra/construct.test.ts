import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as acmpca from 'aws-cdk-lib/aws-acmpca';
import { CertificateAuthority } from 'aws-cdk-lib/aws-acmpca';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrlAuthorizer, ExampleStack, exampleConfigFromContext, sizeFor, type CrlAuthorizerProps } from '../../infra/index.js';

const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';
const MTLS = {
  domainName: 'api.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abcd',
  truststoreUri: 's3://truststores/clients/bundle.pem',
};

/**
 * Bundling is the slow part of synth. The first example stack bundles for real (and test/infra/bundles.test.ts
 * runs the bundles); every other stack here skips it through CDK's own switch, since templates do not depend on it.
 */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function synthExample(
  props: ConstructorParameters<typeof ExampleStack>[2] = {},
  bundle = false,
): { app: App; template: Template } {
  const app = new App(bundle ? {} : { context: NO_BUNDLING });
  const stack = new ExampleStack(app, 'Example', props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return { app, template: Template.fromStack(stack) };
}

function withConstruct(
  props: CrlAuthorizerProps,
  use?: (c: CrlAuthorizer, stack: Stack) => void,
  more?: (stack: Stack) => CrlAuthorizerProps,
) {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'us-east-1' } });
  const crl = new CrlAuthorizer(stack, 'Crl', { ...props, ...more?.(stack) });
  use?.(crl, stack);
  return { crl, template: Template.fromStack(stack) };
}

const policyStatements = (template: Template, roleLogicalIdPrefix: string) => {
  const policies = template.findResources('AWS::IAM::Policy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith(roleLogicalIdPrefix));
  return (entry?.[1] as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
    .PolicyDocument.Statement;
};
const resourceText = (r: unknown) => JSON.stringify(r);
const ca = (stack: Stack, arn: string) => CertificateAuthority.fromCertificateAuthorityArn(stack, arn.slice(-12), arn);

describe('the example stack, synthesized with cdk-nag AwsSolutions', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthExample({}, true));
  });

  it('passes every AwsSolutions check (synth throws on an unacknowledged finding)', () => {
    expect(template).toBeDefined();
  });

  it('builds a bucket with public access blocked, S3-managed encryption, versioning and TLS enforced', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('runs both functions on Node 22, arm64, bundled, with log retention and the documented environment', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Architectures: ['arm64'] }, 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      // Issue #12: no reservation by default (a new account cannot reserve any), background revalidation (#11).
      ReservedConcurrentExecutions: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          CRL_STORE_URL: Match.anyValue(),
          CRL_REVALIDATE_SECONDS: '10',
          CRL_MAX_STALE_SECONDS: '300',
          CRL_STORE_TIMEOUT_MS: '2000',
          AUTHORIZER_RESPONSE: 'policy',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: sizeFor(1e7)!.preprocessorMemoryMb,
      ReservedConcurrentExecutions: Match.absent(),
      Environment: { Variables: Match.objectLike({ CRL_SUFFIXES: '.crl,.crl.pem', CRL_ALLOW_NO_NEXT_UPDATE: 'false' }) },
    });
    // Both functions, the access log, and CDK's bucket-notifications handler (issue #12 item 8).
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 4);
  });

  it('grants the authorizer blobs only, and the preprocessor CRLs and CA certificates to read and blobs to write', () => {
    const auth = policyStatements(template, 'CrlAuthorizerServiceRoleDefaultPolicy');
    expect(auth.map((s) => s.Action)).toEqual(['s3:ListBucket', 's3:GetObject']);
    expect(resourceText(auth[1]!.Resource)).toContain('/*.cache.bin');
    expect(resourceText(auth)).not.toMatch(/\*\.crl|ca\.pem|PutObject|DeleteObject/);

    const pre = policyStatements(template, 'CrlPreprocessorServiceRoleDefaultPolicy');
    const read = pre.find((s) => s.Action === 's3:GetObject')!;
    for (const pattern of ['/*.crl"', '/*.crl.pem"', '/*.ca.pem"', '/*.cache.bin"']) {
      expect(resourceText(read.Resource)).toContain(pattern);
    }
    const write = pre.find((s) => Array.isArray(s.Action) && (s.Action as string[]).includes('s3:PutObject'))!;
    expect(write.Action).toEqual(['s3:PutObject', 's3:DeleteObject']);
    expect(resourceText(write.Resource)).toContain('/*.cache.bin"');
    expect(resourceText(write.Resource)).not.toContain('.crl');
  });

  it('notifies the preprocessor of ObjectCreated and ObjectRemoved for each CRL suffix', () => {
    const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications')) as {
      Properties: { NotificationConfiguration: { LambdaFunctionConfigurations: Record<string, unknown>[] } };
    }[];
    const configs = notifications!.Properties.NotificationConfiguration.LambdaFunctionConfigurations.map((c) => ({
      event: c.Events,
      suffix: (c.Filter as { Key: { FilterRules: { Name: string; Value: string }[] } }).Key.FilterRules.find(
        (r) => r.Name === 'suffix',
      )!.Value,
    }));
    expect(configs).toEqual(
      expect.arrayContaining([
        { event: ['s3:ObjectCreated:*'], suffix: '.crl' },
        { event: ['s3:ObjectRemoved:*'], suffix: '.crl' },
        { event: ['s3:ObjectCreated:*'], suffix: '.crl.pem' },
        { event: ['s3:ObjectRemoved:*'], suffix: '.crl.pem' },
      ]),
    );
    expect(configs).toHaveLength(4);
  });

  it('alarms on preprocessor errors, authorizer errors and throttles, CRL age, nextUpdate approaching and expired CRLs', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^CrlPreprocessor') } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^CrlAuthorizer') } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttles' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CrlAuthorizer',
      MetricName: 'CrlAgeSeconds',
      Dimensions: [{ Name: 'service', Value: 'crl-authorizer' }],
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 6 * 86400,
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CrlAuthorizer',
      MetricName: 'SecondsToNextUpdate',
      Dimensions: [{ Name: 'service', Value: 'crl-authorizer' }],
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 86400,
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CrlAuthorizer',
      MetricName: 'Decisions',
      Dimensions: Match.arrayWith([{ Name: 'code', Value: 'crl.expired' }]),
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
  });

  it('alarms on a failed denylist refresh (the metric src/authorizer writes through Metrics.countLine)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CrlAuthorizer',
      MetricName: 'DenylistRefreshFailed',
      Dimensions: [{ Name: 'service', Value: 'crl-authorizer' }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('guards the method with a REQUEST authorizer: no identity source, result caching off, through the alias', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      // None (issue #12 item 5): optional with caching off, and API Gateway then invokes the authorizer for every
      // request (the certificate is not a header).
      IdentitySource: Match.absent(),
      AuthorizerUri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: Match.stringLikeRegexp('^CrlAuthorizerAlias') }])]) }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      AuthorizationType: 'CUSTOM',
      Integration: { Type: 'MOCK' },
    });
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: Match.absent() });
  });

  it('explains a Deny: ACCESS_DENIED response and access log both carry $context.authorizer.code', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      StatusCode: '403',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('\\$context\\.authorizer\\.code') },
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { Format: Match.stringLikeRegexp('\\$context\\.authorizer\\.code') },
    });
  });

  it('keeps the execute-api endpoint when no custom domain is configured', () => {
    const [api] = Object.values(template.findResources('AWS::ApiGateway::RestApi'));
    expect(api!.Properties.DisableExecuteApiEndpoint).not.toBe(true);
    template.resourceCountIs('AWS::ApiGateway::DomainName', 0);
  });
});

describe('the example stack with a custom domain', () => {
  it('uses mutual TLS with the truststore from S3 and disables the execute-api endpoint', () => {
    const { template } = synthExample({ mtls: { ...MTLS, truststoreVersion: 'v7' } });
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      RegionalCertificateArn: MTLS.certificateArn,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
      MutualTlsAuthentication: { TruststoreUri: 's3://truststores/clients/bundle.pem', TruststoreVersion: 'v7' },
    });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
  });

  it('reads domain, certificate and truststore from context, all three or none', () => {
    const ctx = (c: Record<string, string>) => ({ tryGetContext: (k: string) => c[k] });
    expect(exampleConfigFromContext(ctx({})).mtls).toBeUndefined();
    expect(exampleConfigFromContext(ctx({ ...MTLS })).mtls).toEqual(MTLS);
    expect(() => exampleConfigFromContext(ctx({ domainName: 'api.example.com' }))).toThrow(/together/);
    expect(() => exampleConfigFromContext(ctx({ ...MTLS, truststoreUri: 'bundle.pem' }))).toThrow(/s3:\/\/bucket\/key/);
    expect(exampleConfigFromContext(ctx({ crlPrefix: 'crls/', reservedConcurrency: 'none' })).crl).toEqual({
      prefix: 'crls/',
      reservedConcurrency: 'none',
    });
  });
});

describe('CrlAuthorizer options', () => {
  it('puts provisioned concurrency on the live alias', () => {
    const { template } = withConstruct({ provisionedConcurrency: 5, reservedConcurrency: 20 });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 });
  });

  it('scopes grants, notifications and the store URL to a prefix', () => {
    const { template } = withConstruct({ prefix: 'pki/crls/', caCertKey: 'ca/root.pem', crlSuffixes: ['.crl'] });
    const auth = policyStatements(template, 'CrlAuthorizerServiceRoleDefaultPolicy');
    expect(auth[0]).toMatchObject({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['pki/crls/*'] } } });
    expect(resourceText(auth[1]!.Resource)).toContain('/pki/crls/*.cache.bin');
    const pre = policyStatements(template, 'CrlPreprocessorServiceRoleDefaultPolicy');
    expect(resourceText(pre)).toContain('/pki/crls/ca/root.pem');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CA_CERT_KEY: 'ca/root.pem',
          CRL_SUFFIXES: '.crl',
          CRL_STORE_URL: { 'Fn::Join': ['', ['s3://', { Ref: Match.anyValue() }, '/pki/crls/']] },
        }),
      },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: Match.arrayWith([
          Match.objectLike({
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.crl' }, { Name: 'prefix', Value: 'pki/crls/' }] } },
          }),
        ]),
      },
    });
  });

  it('lets AWS Private CA write *.crl under the prefix, conditioned on the CA and the account', () => {
    const { template } = withConstruct({ prefix: 'crl/' }, undefined, (stack) => ({
      privateCas: [{ certificateAuthority: ca(stack, CA_ARN) }],
    }));
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'PrivateCaWritesCrls',
            Effect: 'Allow',
            Principal: { Service: 'acm-pca.amazonaws.com' },
            Action: ['s3:PutObject', 's3:PutObjectAcl'],
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': [CA_ARN] } },
          }),
          Match.objectLike({ Sid: 'PrivateCaChecksBucket', Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'] }),
        ]),
      },
    });
  });

  it('uses an existing bucket without building one', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Existing');
    const bucket = s3.Bucket.fromBucketName(stack, 'Mine', 'my-crls');
    const crl = new CrlAuthorizer(stack, 'Crl', { bucket });
    expect(crl.bucket).toBe(bucket);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CRL_STORE_URL: 's3://my-crls/' }) },
    });
  });

  it('exposes an HTTP API authorizer: payload 2.0, no identity source, caching off; simple responses when asked', () => {
    for (const responseType of ['policy', 'simple'] as const) {
      const { template } = withConstruct({ responseType }, (crl, stack) => {
        const api = new apigwv2.HttpApi(stack, 'Http');
        api.addRoutes({
          path: '/hello',
          methods: [apigwv2.HttpMethod.GET],
          integration: new HttpUrlIntegration('Url', 'https://example.com'),
          authorizer: crl.httpAuthorizer,
        });
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        AuthorizerResultTtlInSeconds: 0,
        IdentitySource: Match.absent(),
        EnableSimpleResponses: responseType === 'simple' ? true : Match.absent(),
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ AUTHORIZER_RESPONSE: responseType }) },
      });
    }
  });

  it('adds the alarm action to every alarm and accepts a custom CRL age', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Alarms');
    const topic = new sns.Topic(stack, 'Pager');
    const crl = new CrlAuthorizer(stack, 'Crl', {
      maxCrlAge: Duration.hours(20),
      nextUpdateWarning: Duration.hours(6),
      alarmAction: new SnsAction(topic),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CrlAgeSeconds', Threshold: 72000 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SecondsToNextUpdate', Threshold: 21600 });
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Pager') }] }, 7);
    expect(crl.alarms).toHaveLength(7);
  });

  it('grants a publisher PutObject on CRLs and CA certificates only', () => {
    withConstruct({ prefix: 'crls/' }, (crl, stack) => {
      const publisher = new iam.Role(stack, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() });
      crl.grantPublish(publisher);
      const statements = policyStatements(Template.fromStack(stack), 'PublisherDefaultPolicy');
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Action).toBe('s3:PutObject');
      const text = resourceText(statements[0]!.Resource);
      for (const p of ['/crls/*.crl"', '/crls/*.crl.pem"', '/crls/*.ca.pem"']) expect(text).toContain(p);
      expect(text).not.toContain('cache.bin');
    });
  });
});

describe('CrlAuthorizer props validation', () => {
  const build = (props: CrlAuthorizerProps) => () => {
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'V');
    const bucket = props.bucket ? s3.Bucket.fromBucketName(stack, 'B', 'my-crls') : undefined;
    new CrlAuthorizer(stack, 'Crl', { ...props, ...(bucket && { bucket }) });
  };
  const someBucket = {} as s3.IBucket;

  it.each<[string, CrlAuthorizerProps, RegExp]>([
    ['bucket with bucketProps', { bucket: someBucket, bucketProps: { versioned: true } }, /either bucket or bucketProps/],
    ['a prefix without a trailing slash', { prefix: 'crls' }, /end with "\/"/],
    ['a prefix with a leading slash', { prefix: '/crls/' }, /must not start with "\/"/],
    ['overlapping suffixes', { crlSuffixes: ['.pem', '.crl.pem'] }, /overlap/],
    ['a suffix that catches blobs', { crlSuffixes: ['.bin'] }, /blob or CA certificate/],
    ['no suffixes', { crlSuffixes: [] }, /at least one suffix/],
    ['zero reserved concurrency', { reservedConcurrency: 0 }, /reservedConcurrency must be an integer >= 1/],
    ['provisioned above reserved', { reservedConcurrency: 5, provisionedConcurrency: 10 }, /must not exceed/],
    ['a negative revalidation', { revalidateSeconds: -1 }, /revalidateSeconds/],
    ['a store timeout beyond the authorizer timeout', { storeTimeoutMs: 15000 }, /10 s/],
    ['an unknown response type', { responseType: 'json' as 'policy' }, /responseType/],
    ['a malformed CA ARN', { privateCas: [{ certificateAuthority: { certificateAuthorityArn: 'arn:aws:s3:::x' } as acmpca.ICertificateAuthority }] }, /Private CA ARN/],
    ['memory out of range', { authorizerMemorySize: 64 }, /authorizerMemorySize/],
  ])('refuses %s with one clear error', (_name, props, message) => {
    expect(build(props)).toThrow(message);
    expect(build(props)).toThrow(/^CrlAuthorizer V\/Crl: invalid props: /);
  });

  it('reports every problem at once', () => {
    expect(build({ prefix: 'x', reservedConcurrency: -3 })).toThrow(/end with "\/".*; reservedConcurrency/);
  });
});
