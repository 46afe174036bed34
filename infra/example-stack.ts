import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CrlAuthorizer, type CrlAuthorizerProps } from './crl-authorizer.js';
import { addAccessDeniedResponse, crlAccessLogFormat } from './gateway.js';

/** A custom domain with mutual TLS: the client certificates' trust store is a PEM bundle in S3. */
export interface MtlsDomainConfig {
  /** `api.example.com` */
  readonly domainName: string;
  /** An ACM certificate for the domain, in the stack's region. */
  readonly certificateArn: string;
  /** `s3://bucket/key` of the truststore PEM bundle. */
  readonly truststoreUri: string;
  /** A specific object version of the truststore. @default - the latest */
  readonly truststoreVersion?: string;
  /**
   * An ACM-issued public certificate for the same domain, proving you own it. API Gateway requires it when
   * `certificateArn` is imported into ACM or issued by AWS Private CA (mutual TLS on a custom domain).
   * @default - none: `certificateArn` must be an ACM-issued public certificate
   */
  readonly ownershipVerificationCertificateArn?: string;
}

/**
 * Who provides API Gateway's account-level CloudWatch Logs role (`AWS::ApiGateway::Account`), which a stage's access
 * logging needs. `create`: this stack creates the role and sets it for the account and region (kept when the stack is
 * deleted); works in a fresh account. `existing`: the account's API Gateway settings already name one.
 */
export type ApiGatewayCloudWatchRole = 'create' | 'existing';

/** An AWS Private CA to connect, by ARN (the example imports it). */
export interface ExamplePrivateCa {
  readonly certificateAuthorityArn: string;
  readonly customPath?: string;
}

export interface ExampleStackProps extends StackProps {
  /**
   * The custom domain with mutual TLS. Without it the API is reachable on its execute-api endpoint only (no
   * client certificates there, so every request is denied with cert.missing); with it that endpoint is disabled.
   * @default - no custom domain
   */
  readonly mtls?: MtlsDomainConfig;
  /** @default 'create' */
  readonly apiGatewayCloudWatchRole?: ApiGatewayCloudWatchRole;
  /** Private CAs that publish into the CRL bucket (passed to the construct as `privateCas`). @default - none */
  readonly privateCas?: ExamplePrivateCa[];
  /** Encrypt the CRL bucket with a customer managed KMS key (rotated yearly) instead of SSE-S3. @default false */
  readonly kmsBucketKey?: boolean;
  /** Passed to the construct. @default {} */
  readonly crl?: CrlAuthorizerProps;
}

/**
 * A REST API whose one method is guarded by the CRL authorizer: custom domain with mutual TLS, REQUEST authorizer
 * with result caching off, a mock integration, an ACCESS_DENIED response and access logs carrying the
 * authorizer's decision code.
 */
export class ExampleStack extends Stack {
  readonly crl: CrlAuthorizer;
  readonly api: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ExampleStackProps = {}) {
    super(scope, id, props);
    this.crl = new CrlAuthorizer(this, 'Crl', this.crlProps(props));
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });

    const mtls = props.mtls;
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'crl-authorizer example: mutual TLS with a CRL check',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Client certificates are only presented on the custom domain; the default endpoint would bypass mTLS.
      disableExecuteApiEndpoint: mtls !== undefined,
      // Access logging is refused until the account has a CloudWatch Logs role; CDK makes the stage depend on it.
      cloudWatchRole: (props.apiGatewayCloudWatchRole ?? 'create') === 'create',
      deployOptions: {
        stageName: 'prod',
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: crlAccessLogFormat(),
        metricsEnabled: true,
      },
      ...(mtls && { domainName: domainOptions(this, mtls) }),
    });

    const validator = this.api.addRequestValidator('Validator', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const hello = this.api.root.addResource('hello');
    hello.addMethod('GET', helloIntegration(), {
      authorizer: this.crl.restAuthorizer,
      authorizationType: apigw.AuthorizationType.CUSTOM,
      requestValidator: validator,
      methodResponses: [{ statusCode: '200' }],
    });
    addAccessDeniedResponse(this.api);

    if (mtls) {
      const domain = this.api.domainName!;
      if (mtls.ownershipVerificationCertificateArn) {
        // DomainNameOptions has no such prop; the CloudFormation property is set on the L1 this stack built.
        (domain.node.defaultChild as apigw.CfnDomainName).ownershipVerificationCertificateArn =
          mtls.ownershipVerificationCertificateArn;
      }
      new CfnOutput(this, 'DomainTarget', {
        description: `Point ${mtls.domainName} (CNAME or alias) at this regional name`,
        value: domain.domainNameAliasDomainName,
      });
      new CfnOutput(this, 'Url', { value: `https://${mtls.domainName}/hello` });
    }
    new CfnOutput(this, 'CrlBucket', { value: this.crl.bucket.bucketName });
    this.acknowledgeExampleChoices();
  }

  /** The construct's props: the example's own options turned into construct inputs, over `props.crl`. */
  private crlProps(props: ExampleStackProps): CrlAuthorizerProps {
    const privateCas = props.privateCas?.map((ca, i) => ({
      certificateAuthority: acmpca.CertificateAuthority.fromCertificateAuthorityArn(this, `PrivateCa${i}`, ca.certificateAuthorityArn),
      ...(ca.customPath !== undefined && { customPath: ca.customPath }),
    }));
    const encryptionKey = props.kmsBucketKey
      ? new kms.Key(this, 'CrlBucketKey', { enableKeyRotation: true, description: 'crl-authorizer CRL bucket' })
      : undefined;
    return {
      ...props.crl,
      ...(privateCas && { privateCas }),
      ...(encryptionKey && {
        bucketProps: { ...props.crl?.bucketProps, encryption: s3.BucketEncryption.KMS, encryptionKey, bucketKeyEnabled: true },
      }),
    };
  }

  /** Findings that follow from choices this example makes; a production stack may choose differently. */
  private acknowledgeExampleChoices(): void {
    const ack = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      ack(cloudWatchRole, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/' +
        'AmazonAPIGatewayPushToCloudWatchLogs]', "API Gateway's account-level logging role: the AWS managed policy " +
        'is the one API Gateway documents for it, and it only writes logs.');
    }
    if (this.crl.node.tryFindChild('Bucket')) {
      ack(this.crl.bucket, 'AwsSolutions-S1', 'The CRL bucket holds public data (CRLs, CA certificates, blobs ' +
        'derived from them); object writes are audited with CloudTrail data events where required. Pass ' +
        'bucketProps.serverAccessLogsBucket to turn server access logs on.');
    }
    ack(this.api.deploymentStage, 'AwsSolutions-APIG3', 'The example has no WAF web ACL: access already needs a ' +
      'client certificate from the trusted CA; attach a web ACL to the stage for rate limiting.');
    ack(this.api.deploymentStage, 'AwsSolutions-APIG6', 'No execution logging: API Gateway would create its log ' +
      'group itself, without a retention; the access log carries the authorizer decision code.');
    const method = this.api.root.getResource('hello')!.node.findChild('GET');
    ack(method, 'AwsSolutions-COG4', 'Clients authenticate with mutual TLS; the Lambda authorizer checks their ' +
      'certificate against the CRL. There are no Cognito users.');
  }
}

function domainOptions(scope: Construct, mtls: MtlsDomainConfig): apigw.DomainNameOptions {
  const { bucket, key } = parseS3Uri(mtls.truststoreUri);
  return {
    domainName: mtls.domainName,
    certificate: acm.Certificate.fromCertificateArn(scope, 'DomainCertificate', mtls.certificateArn),
    endpointType: apigw.EndpointType.REGIONAL,
    securityPolicy: apigw.SecurityPolicy.TLS_1_2,
    mtls: {
      bucket: s3.Bucket.fromBucketName(scope, 'TruststoreBucket', bucket),
      key,
      ...(mtls.truststoreVersion && { version: mtls.truststoreVersion }),
    },
  };
}

function helloIntegration(): apigw.MockIntegration {
  return new apigw.MockIntegration({
    requestTemplates: { 'application/json': '{"statusCode": 200}' },
    integrationResponses: [
      {
        statusCode: '200',
        responseTemplates: {
          'application/json':
            '{"message":"hello","principal":"$context.authorizer.principalId","code":"$context.authorizer.code"}',
        },
      },
    ],
  });
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`truststoreUri must look like s3://bucket/key (got "${uri}")`);
  return { bucket: m[1]!, key: m[2]! };
}

/**
 * The example's settings from CDK context (`-c key=value` or cdk.json; docs/deploy.md "Context values"):
 * `domainName`, `certificateArn` and `truststoreUri` together turn on the mTLS custom domain (all three or none);
 * the rest are optional. Every value is checked here, so a typo fails synth with its key named.
 */
export function exampleConfigFromContext(node: { tryGetContext(key: string): unknown }): ExampleContextConfig {
  const str = (k: string): string | undefined => {
    const v = node.tryGetContext(k);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const crl: Mutable<CrlAuthorizerProps> = {};
  const prefix = str('crlPrefix');
  if (prefix !== undefined) crl.prefix = prefix;
  for (const [key, prop] of [
    ['reservedConcurrency', 'reservedConcurrency'],
    ['preprocessorReservedConcurrency', 'preprocessorReservedConcurrency'],
  ] as const) {
    const v = str(key);
    if (v !== undefined) crl[prop] = v === 'none' ? 'none' : contextInteger(key, v);
  }
  const provisioned = str('provisionedConcurrency');
  if (provisioned !== undefined) crl.provisionedConcurrency = contextInteger('provisionedConcurrency', provisioned);
  const entries = str('maxCrlEntries');
  if (entries !== undefined) crl.maxCrlEntries = contextInteger('maxCrlEntries', entries);

  const role = str('apiGatewayCloudWatchRole');
  if (role !== undefined && role !== 'create' && role !== 'existing') {
    throw new Error(`context: apiGatewayCloudWatchRole must be "create" or "existing" (got "${role}")`);
  }
  const kmsKey = str('crlBucketKms');
  if (kmsKey !== undefined && kmsKey !== 'true' && kmsKey !== 'false') {
    throw new Error(`context: crlBucketKms must be "true" or "false" (got "${kmsKey}")`);
  }
  const privateCas = str('privateCaArns')?.split(',').map((entry): ExamplePrivateCa => {
    const [arn, customPath] = entry.trim().split('=');
    return { certificateAuthorityArn: arn!, ...(customPath && { customPath }) };
  });
  const mtls = mtlsFromContext(str);
  return {
    crl,
    ...(mtls && { mtls }),
    ...(role !== undefined && { apiGatewayCloudWatchRole: role }),
    ...(kmsKey === 'true' && { kmsBucketKey: true }),
    ...(privateCas && { privateCas }),
  };
}

export type ExampleContextConfig = Pick<
  ExampleStackProps,
  'mtls' | 'apiGatewayCloudWatchRole' | 'privateCas' | 'kmsBucketKey'
> & { crl: CrlAuthorizerProps };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function contextInteger(key: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`context: ${key} must be a whole number or "none" (got "${v}")`);
  return Number(v);
}

function mtlsFromContext(str: (k: string) => string | undefined): MtlsDomainConfig | undefined {
  const domainName = str('domainName');
  const certificateArn = str('certificateArn');
  const truststoreUri = str('truststoreUri');
  const given = [domainName, certificateArn, truststoreUri].filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) {
    throw new Error('context: give domainName, certificateArn and truststoreUri together (or none of them)');
  }
  if (given === 0) {
    if (str('ownershipVerificationCertificateArn')) throw new Error('context: ownershipVerificationCertificateArn needs domainName');
    return undefined;
  }
  parseS3Uri(truststoreUri!);
  const truststoreVersion = str('truststoreVersion');
  const ownership = str('ownershipVerificationCertificateArn');
  return {
    domainName: domainName!,
    certificateArn: certificateArn!,
    truststoreUri: truststoreUri!,
    ...(truststoreVersion && { truststoreVersion }),
    ...(ownership && { ownershipVerificationCertificateArn: ownership }),
  };
}
