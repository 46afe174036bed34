import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
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
}

export interface ExampleStackProps extends StackProps {
  /**
   * The custom domain with mutual TLS. Without it the API is reachable on its execute-api endpoint only (no
   * client certificates there, so every request is denied with cert.missing); with it that endpoint is disabled.
   * @default - no custom domain
   */
  readonly mtls?: MtlsDomainConfig;
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
    this.crl = new CrlAuthorizer(this, 'Crl', props.crl);
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });

    const mtls = props.mtls;
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'crl-authorizer example: mutual TLS with a CRL check',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Client certificates are only presented on the custom domain; the default endpoint would bypass mTLS.
      disableExecuteApiEndpoint: mtls !== undefined,
      cloudWatchRole: false,
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
      new CfnOutput(this, 'DomainTarget', {
        description: `Point ${mtls.domainName} (CNAME or alias) at this regional name`,
        value: domain.domainNameAliasDomainName,
      });
      new CfnOutput(this, 'Url', { value: `https://${mtls.domainName}/hello` });
    }
    new CfnOutput(this, 'CrlBucket', { value: this.crl.bucket.bucketName });
    this.acknowledgeExampleChoices();
  }

  /** Findings that follow from choices this example makes; a production stack may choose differently. */
  private acknowledgeExampleChoices(): void {
    const ack = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
    if (this.crl.node.tryFindChild('Bucket')) {
      ack(this.crl.bucket, 'AwsSolutions-S1', 'The CRL bucket holds public data (CRLs, CA certificates, blobs ' +
        'derived from them); object writes are audited with CloudTrail data events where required. Pass ' +
        'bucketProps.serverAccessLogsBucket to turn server access logs on.');
    }
    ack(this.api.deploymentStage, 'AwsSolutions-APIG3', 'The example has no WAF web ACL: access already needs a ' +
      'client certificate from the trusted CA; attach a web ACL to the stage for rate limiting.');
    ack(this.api.deploymentStage, 'AwsSolutions-APIG6', 'Execution logging needs the account-wide API Gateway ' +
      'CloudWatch role, which this stack must not overwrite; the access log carries the authorizer decision code.');
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
 * The example's settings from CDK context (`-c key=value` or cdk.json): `domainName`, `certificateArn` and
 * `truststoreUri` together turn on the mTLS custom domain (all three or none); `truststoreVersion`, `crlPrefix`
 * and `reservedConcurrency` are optional.
 */
export function exampleConfigFromContext(node: { tryGetContext(key: string): unknown }): {
  mtls?: MtlsDomainConfig;
  crl: CrlAuthorizerProps;
} {
  const str = (k: string): string | undefined => {
    const v = node.tryGetContext(k);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const domainName = str('domainName');
  const certificateArn = str('certificateArn');
  const truststoreUri = str('truststoreUri');
  const given = [domainName, certificateArn, truststoreUri].filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) {
    throw new Error('context: give domainName, certificateArn and truststoreUri together (or none of them)');
  }
  if (truststoreUri) parseS3Uri(truststoreUri);
  const truststoreVersion = str('truststoreVersion');
  const prefix = str('crlPrefix');
  const reserved = str('reservedConcurrency');
  return {
    ...(given === 3 && {
      mtls: {
        domainName: domainName!,
        certificateArn: certificateArn!,
        truststoreUri: truststoreUri!,
        ...(truststoreVersion && { truststoreVersion }),
      },
    }),
    crl: {
      ...(prefix !== undefined && { prefix }),
      ...(reserved !== undefined && { reservedConcurrency: reserved === 'none' ? 'none' : Number(reserved) }),
    },
  };
}
