/**
 * One test per documented AWS constraint the synthesized templates rely on (issue #12). Each cites the AWS
 * document it checks. Synthesis is not deployment: these read the templates against the documented rules, and
 * docs/deploy.md lists what only a real account can confirm.
 *
 * Two example stacks are synthesized with cdk-nag: every option off (`{}`), and every option on.
 * Tests marked "(#12 item N)" failed on the templates before issue #12 (checked with `git stash` of infra/).
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { CertificateAuthority } from 'aws-cdk-lib/aws-acmpca';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrlAuthorizer, ExampleStack, type ExampleStackProps } from '../../infra/index.js';
import { SIZING } from '../../infra/sizing.js';

const ACCOUNT = '123456789012';
const CA_A = `arn:aws:acm-pca:us-east-1:${ACCOUNT}:certificate-authority/11111111-2222-3333-4444-555555555555`;
const CA_B = `arn:aws:acm-pca:us-east-1:${ACCOUNT}:certificate-authority/66666666-7777-8888-9999-000000000000`;
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** Every option the example stack and the construct offer, each away from its default. */
const ALL_ON: ExampleStackProps = {
  env: { account: ACCOUNT, region: 'us-east-1' },
  mtls: {
    domainName: 'api.example.com',
    certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/imported-or-private`,
    truststoreUri: 's3://truststores/clients.pem',
    truststoreVersion: 'v3',
    ownershipVerificationCertificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/public-acm`,
  },
  apiGatewayCloudWatchRole: 'existing',
  kmsBucketKey: true,
  privateCas: [{ certificateAuthorityArn: CA_A }, { certificateAuthorityArn: CA_B, customPath: 'crl/partitioned' }],
  crl: {
    prefix: 'crl/',
    reservedConcurrency: 20,
    preprocessorReservedConcurrency: 1,
    provisionedConcurrency: 2,
    maxCrlEntries: 1e6,
    revalidateSeconds: 30,
    freshSeconds: 120,
    storeTimeoutMs: 3000,
    loadTimeoutMs: 6000,
    responseType: 'simple',
    allowNoNextUpdate: true,
  },
};

function synth(props: ExampleStackProps): Template {
  const app = new App({ context: NO_BUNDLING });
  const stack = new ExampleStack(app, 'Example', props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return Template.fromStack(stack);
}

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
const resources = (t: Template, type: string) => Object.entries(t.findResources(type)) as [string, Resource][];
const fnByPrefix = (t: Template, prefix: string) => resources(t, 'AWS::Lambda::Function').find(([id]) => id.startsWith(prefix))![1];
const statements = (t: Template, type: string): Record<string, any>[] =>
  resources(t, type).flatMap(([, r]) => (r.Properties.PolicyDocument ?? r.Properties.KeyPolicy).Statement);
const text = (v: unknown) => JSON.stringify(v);

let off: Template;
let on: Template;
beforeAll(() => {
  off = synth({});
  on = synth(ALL_ON);
});

describe('API Gateway', () => {
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html: access logging needs the
  // account's CloudWatch Logs role set in API Gateway's settings (AWS::ApiGateway::Account) before the stage.
  it('access logging: a fresh account gets the CloudWatch role, set before the stage (#12 item 1)', () => {
    const [[accountId, account]] = resources(off, 'AWS::ApiGateway::Account') as [[string, Resource]];
    expect(account.Properties.CloudWatchRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/CloudWatchRole/), 'Arn'] });
    const [[, stage]] = resources(off, 'AWS::ApiGateway::Stage') as [[string, Resource]];
    expect(stage.Properties.AccessLogSetting).toBeDefined();
    expect(stage.DependsOn).toContain(accountId);
    // `existing`: the account already names a role; the stack must not take it over.
    expect(resources(on, 'AWS::ApiGateway::Account')).toHaveLength(0);
    expect(resources(on, 'AWS::ApiGateway::Stage')[0]![1].Properties.AccessLogSetting).toBeDefined();
  });

  // https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html: a private (AWS Private
  // CA) or imported server certificate on a mutual TLS domain needs an ownership verification certificate.
  it('mTLS custom domain: the ownership verification certificate can be given (#12 item 4)', () => {
    const [[, domain]] = resources(on, 'AWS::ApiGateway::DomainName') as [[string, Resource]];
    expect(domain.Properties.OwnershipVerificationCertificateArn).toBe(ALL_ON.mtls!.ownershipVerificationCertificateArn);
    expect(domain.Properties.MutualTlsAuthentication).toEqual({ TruststoreUri: 's3://truststores/clients.pem', TruststoreVersion: 'v3' });
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html: mTLS needs a
    // REGIONAL custom domain and TLS 1.2; the default endpoint would bypass it, so it is disabled.
    expect(domain.Properties.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    expect(domain.Properties.SecurityPolicy).toBe('TLS_1_2');
    expect(resources(on, 'AWS::ApiGateway::RestApi')[0]![1].Properties.DisableExecuteApiEndpoint).toBe(true);
  });

  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-authorizer.html:
  // IdentitySource is optional for a REQUEST authorizer when caching is off (TTL 0); an empty string is not "none".
  it('REST authorizer: no IdentitySource property, and result caching stays off (#12 item 5)', () => {
    for (const t of [off, on]) {
      const [[, auth]] = resources(t, 'AWS::ApiGateway::Authorizer') as [[string, Resource]];
      expect(auth.Properties.Type).toBe('REQUEST');
      expect(auth.Properties).not.toHaveProperty('IdentitySource');
      expect(auth.Properties.AuthorizerResultTtlInSeconds).toBe(0);
    }
  });

  // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html: payload 2.0 is
  // the one with `requestContext.authentication.clientCert`; simple responses need 2.0; identity sources are
  // optional only with caching off.
  it('HTTP API authorizer: payload 2.0 by public API, even if CDK moves its own child (#12 item 6)', () => {
    const original = HttpLambdaAuthorizer.prototype.bind;
    // What a change inside CDK could do: build the authorizer under another scope than the route's.
    HttpLambdaAuthorizer.prototype.bind = function (options) {
      return original.call(this, { ...options, scope: new Construct(options.scope, 'MovedByCdk') });
    };
    try {
      for (const responseType of ['policy', 'simple'] as const) {
        const stack = new Stack(new App({ context: NO_BUNDLING }), 'Http', { env: { account: ACCOUNT, region: 'us-east-1' } });
        const crl = new CrlAuthorizer(stack, 'Crl', { responseType });
        new apigwv2.HttpApi(stack, 'Api').addRoutes({
          path: '/hello',
          methods: [apigwv2.HttpMethod.GET],
          integration: new HttpUrlIntegration('Url', 'https://example.com'),
          authorizer: crl.httpAuthorizer,
        });
        const t = Template.fromStack(stack);
        const [[, auth]] = resources(t, 'AWS::ApiGatewayV2::Authorizer') as [[string, Resource]];
        expect(auth.Properties.AuthorizerPayloadFormatVersion).toBe('2.0');
        expect(auth.Properties.AuthorizerResultTtlInSeconds).toBe(0);
        expect(auth.Properties).not.toHaveProperty('IdentitySource');
        expect(auth.Properties.EnableSimpleResponses).toBe(responseType === 'simple' ? true : undefined);
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html: API
        // Gateway needs lambda:InvokeFunction on the function it calls (here the alias), from that authorizer.
        const perms = resources(t, 'AWS::Lambda::Permission').map(([, r]) => r.Properties);
        expect(perms).toContainEqual(expect.objectContaining({
          Principal: 'apigateway.amazonaws.com',
          FunctionName: { Ref: expect.stringMatching(/^CrlAuthorizerAlias/) },
          SourceArn: expect.objectContaining({ 'Fn::Join': expect.anything() }),
        }));
        expect(text(perms)).toContain('/authorizers/');
      }
    } finally {
      HttpLambdaAuthorizer.prototype.bind = original;
    }
  });

  // https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html: authorizerResultTtlInSeconds 0
  // disables caching; the REST authorizer calls the function through its ARN (the alias here), and API Gateway
  // needs permission to invoke that alias.
  it('REST authorizer invokes the live alias, with permission on the alias', () => {
    for (const t of [off, on]) {
      const [[, auth]] = resources(t, 'AWS::ApiGateway::Authorizer') as [[string, Resource]];
      expect(text(auth.Properties.AuthorizerUri)).toMatch(/CrlAuthorizerAlias/);
      const perms = resources(t, 'AWS::Lambda::Permission').map(([, r]) => r.Properties);
      expect(perms.some((p) => p.Principal === 'apigateway.amazonaws.com' && text(p.FunctionName).includes('CrlAuthorizerAlias'))).toBe(true);
    }
  });
});

describe('Lambda', () => {
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html: Lambda keeps at least 100 of the
  // account's concurrency unreserved; https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: a
  // new account's limit can be lower (10), so any reservation fails there.
  it('reserved concurrency: none by default, so a fresh account can deploy; set only when asked (#12 item 3)', () => {
    for (const [, fn] of resources(off, 'AWS::Lambda::Function')) {
      expect(fn.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    }
    expect(fnByPrefix(on, 'CrlAuthorizer').Properties.ReservedConcurrentExecutions).toBe(20);
    expect(fnByPrefix(on, 'CrlPreprocessor').Properties.ReservedConcurrentExecutions).toBe(1);
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html (128 to 10,240 MB; a full vCPU at
  // 1,769 MB) and https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html (at most 900 s);
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html (the authorizer
  // has 10 s). Issue #11: the defaults must run a 1e7-entry CRL with 25% memory headroom.
  it('memory and timeouts: defaults sized from the measured table for 1e7 entries, within Lambda limits (#12 item 7)', () => {
    const largest = SIZING[SIZING.length - 1]!;
    expect(largest.entries).toBeGreaterThanOrEqual(1e7);
    const pre = fnByPrefix(off, 'CrlPreprocessor').Properties;
    const auth = fnByPrefix(off, 'CrlAuthorizer').Properties;
    expect(pre.MemorySize).toBeGreaterThanOrEqual(largest.preprocessorPeakMiB * 1.25);
    expect(auth.MemorySize).toBeGreaterThanOrEqual(largest.authorizerPeakMiB * 1.25);
    expect(pre.Timeout).toBeGreaterThanOrEqual(largest.preprocessorSeconds * 10);
    expect(auth.Timeout).toBe(10);
    const env = auth.Environment.Variables;
    // The blob load has its own budget under the 10 s, and it fits the measured cold load.
    expect(Number(env.CRL_LOAD_TIMEOUT_MS)).toBeLessThan(10_000);
    expect(Number(env.CRL_LOAD_TIMEOUT_MS)).toBeGreaterThanOrEqual(largest.coldLoadSeconds * 1000);
    expect(Number(env.CRL_STORE_TIMEOUT_MS)).toBeLessThanOrEqual(9000);
    // Background revalidation: no request waits on S3 (a per-request GET caps throughput at concurrency / latency).
    expect(Number(env.CRL_REVALIDATE_SECONDS)).toBeGreaterThan(0);
    expect(Number(env.CRL_FRESH_SECONDS)).toBeGreaterThanOrEqual(Number(env.CRL_REVALIDATE_SECONDS));
    for (const t of [off, on]) {
      for (const [, fn] of resources(t, 'AWS::Lambda::Function')) {
        const { MemorySize = 128, Timeout = 3 } = fn.Properties;
        expect(MemorySize).toBeGreaterThanOrEqual(128);
        expect(MemorySize).toBeLessThanOrEqual(10240);
        expect(Timeout).toBeLessThanOrEqual(900);
      }
    }
    // A smaller maxCrlEntries gives the smaller row's memory.
    expect(fnByPrefix(on, 'CrlPreprocessor').Properties.MemorySize).toBeLessThan(pre.MemorySize);
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html: provisioned concurrency goes on a
  // version or alias (never $LATEST) and counts against the function's reserved concurrency.
  it('provisioned concurrency sits on the live alias of a published version, within the reservation', () => {
    const [[, alias]] = resources(on, 'AWS::Lambda::Alias') as [[string, Resource]];
    expect(alias.Properties.Name).toBe('live');
    expect(alias.Properties.FunctionVersion).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/CurrentVersion/), 'Version'] });
    expect(alias.Properties.ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions).toBeLessThanOrEqual(
      fnByPrefix(on, 'CrlAuthorizer').Properties.ReservedConcurrentExecutions,
    );
    const app = new App({ context: NO_BUNDLING });
    expect(() => new CrlAuthorizer(new Stack(app, 'P'), 'Crl', { reservedConcurrency: 2, provisionedConcurrency: 3 })).toThrow(/must not exceed/);
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html: a function logs to the
  // group its LoggingConfig names; without one Lambda creates /aws/lambda/<name> with no retention.
  it('log retention: every function, CDK\'s bucket-notifications handler too, logs to a group with a retention (#12 item 8)', () => {
    for (const t of [off, on]) {
      const groups = new Map(resources(t, 'AWS::Logs::LogGroup').map(([id, r]) => [id, r.Properties]));
      for (const [id, fn] of resources(t, 'AWS::Lambda::Function')) {
        const target = fn.Properties.LoggingConfig?.LogGroup?.Ref as string | undefined;
        expect(target, `${id} has no LoggingConfig.LogGroup`).toBeDefined();
        expect(groups.get(target!)?.RetentionInDays, `${id}'s log group has no retention`).toBeGreaterThan(0);
      }
      for (const [id, props] of groups) expect(props.RetentionInDays, id).toBeGreaterThan(0);
    }
  });
});

describe('S3 and AWS Private CA', () => {
  // https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#s3-policies: acm-pca.amazonaws.com
  // needs PutObject, PutObjectAcl, GetBucketAcl and GetBucketLocation, conditioned on aws:SourceAccount and
  // aws:SourceArn; it first writes acm-pca-permission-test-key at the bucket root, then crl/<CA id>.crl (and
  // partitions under the CA's custom path).
  it('Private CA may write its test key, crl/* and its custom path, and check the bucket (#12 item 2)', () => {
    const pca = statements(on, 'AWS::S3::BucketPolicy').filter((s) => s.Principal?.Service === 'acm-pca.amazonaws.com');
    const write = pca.find((s) => text(s.Action).includes('s3:PutObject'))!;
    expect(write.Action).toEqual(['s3:PutObject', 's3:PutObjectAcl']);
    const keys = text(write.Resource);
    for (const key of ['/acm-pca-permission-test-key"', '/crl/*"', '/crl/partitioned/*"']) expect(keys).toContain(key);
    const check = pca.find((s) => text(s.Action).includes('s3:GetBucketAcl'))!;
    expect(check.Action).toEqual(['s3:GetBucketAcl', 's3:GetBucketLocation']);
    for (const s of [write, check]) {
      expect(s.Condition.StringEquals['aws:SourceAccount']).toBe(ACCOUNT);
      expect(s.Condition.ArnLike['aws:SourceArn']).toEqual([CA_A, CA_B]);
    }
    // Nothing else may be written by the service: no wildcard over the whole bucket.
    expect(keys).not.toMatch(/\.Arn"?\]?,?"\/\*"/);
  });

  // https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#s3-bpa and
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html: under Block Public Access
  // the CA must write with BUCKET_OWNER_FULL_CONTROL; with ACLs disabled (BucketOwnerEnforced) S3 accepts exactly
  // that ACL on PUT and the bucket owner owns every object.
  it('Private CA under Block Public Access: ACLs disabled, bucket owner enforced (#12 item 2)', () => {
    for (const t of [off, on]) {
      t.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    }
  });

  // https://docs.aws.amazon.com/privateca/latest/userguide/crl-planning.html#crl-encryption: with SSE-KMS the key
  // policy must let acm-pca.amazonaws.com GenerateDataKey and Decrypt for the objects it writes.
  it('Private CA with a KMS-encrypted bucket: the key lets the service encrypt its objects only (#12 item 2)', () => {
    const pca = statements(on, 'AWS::KMS::Key').find((s) => s.Principal?.Service === 'acm-pca.amazonaws.com')!;
    expect(pca.Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    const context = text(pca.Condition.StringLike['kms:EncryptionContext:aws:s3:arn']);
    for (const key of ['/acm-pca-permission-test-key"', '/crl/*"']) expect(context).toContain(key);
    on.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
    });
  });

  // https://docs.aws.amazon.com/privateca/latest/APIReference/API_GetCertificateAuthorityCertificate.html: the CA
  // certificate comes from this call; least privilege is the action on exactly the configured CA ARNs.
  it('the preprocessor may read the CA certificates of exactly the configured CAs, and is told which they are', () => {
    const pre = statements(on, 'AWS::IAM::Policy').filter((s) => text(s.Action).includes('acm-pca'));
    expect(pre).toEqual([expect.objectContaining({ Action: 'acm-pca:GetCertificateAuthorityCertificate', Resource: [CA_A, CA_B] })]);
    const env = fnByPrefix(on, 'CrlPreprocessor').Properties.Environment.Variables;
    expect(env.PRIVATE_CA_ARNS).toBe(`${CA_A},${CA_B}`);
    expect(JSON.parse(env.PRIVATE_CA_PATHS)).toEqual({ 'crl/partitioned': CA_B });
    expect(fnByPrefix(off, 'CrlPreprocessor').Properties.Environment.Variables).not.toHaveProperty('PRIVATE_CA_ARNS');
    expect(text(statements(off, 'AWS::IAM::Policy'))).not.toContain('acm-pca');
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html: two configurations
  // for the same event type must not have overlapping prefix and suffix filters.
  it('S3 notifications: no two filters for one event type overlap', () => {
    for (const t of [off, on]) {
      const [[, n]] = resources(t, 'Custom::S3BucketNotifications') as [[string, Resource]];
      const configs = n.Properties.NotificationConfiguration.LambdaFunctionConfigurations as Record<string, any>[];
      const rule = (c: Record<string, any>, name: string) =>
        (c.Filter.Key.FilterRules as { Name: string; Value: string }[]).find((r) => r.Name === name)?.Value ?? '';
      for (const a of configs) {
        for (const b of configs) {
          if (a === b || text(a.Events) !== text(b.Events)) continue;
          const prefixesOverlap = rule(a, 'prefix').startsWith(rule(b, 'prefix')) || rule(b, 'prefix').startsWith(rule(a, 'prefix'));
          const suffixesOverlap = rule(a, 'suffix').endsWith(rule(b, 'suffix')) || rule(b, 'suffix').endsWith(rule(a, 'suffix'));
          expect(prefixesOverlap && suffixesOverlap, `${rule(a, 'suffix')} / ${rule(b, 'suffix')}`).toBe(false);
        }
      }
    }
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html: deny requests without TLS
  // (aws:SecureTransport false) for every principal.
  it('bucket policy: plain HTTP is denied for everyone', () => {
    for (const t of [off, on]) {
      expect(statements(t, 'AWS::S3::BucketPolicy')).toContainEqual(expect.objectContaining({
        Effect: 'Deny', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }));
    }
  });

  it('Private CA locations outside the prefix are refused at synth (the preprocessor would never hear of them)', () => {
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Pca');
    const certificateAuthority = CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_A);
    expect(() => new CrlAuthorizer(stack, 'Crl', { prefix: 'pki/', privateCas: [{ certificateAuthority }] })).toThrow(
      /writes CRLs under "crl\/", which is outside the prefix "pki\/"/,
    );
  });
});
