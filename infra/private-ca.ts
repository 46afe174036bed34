import { Arn, ArnFormat, Aws, Token } from 'aws-cdk-lib';
import type * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** An AWS Private CA that publishes its CRLs into the construct's bucket. */
export interface PrivateCaSource {
  readonly certificateAuthority: acmpca.ICertificateAuthority;
  /**
   * The CA's `CrlConfiguration.CustomPath`, if set (partitioned CRLs are written under it): a key path without a
   * leading or trailing `/`.
   * @default - none: Private CA writes `crl/<CA id>.crl`
   */
  readonly customPath?: string;
}

/** The key Private CA writes at the bucket root to test its access before it publishes the first CRL. */
export const PERMISSION_TEST_KEY = 'acm-pca-permission-test-key';
/** Where Private CA writes a complete CRL: `crl/<CA id>.crl`. */
export const DEFAULT_CRL_PATH = 'crl';

/** The key paths (no trailing `/`) a set of CAs writes CRLs under. */
export function privateCaPaths(cas: readonly PrivateCaSource[]): string[] {
  return [...new Set([DEFAULT_CRL_PATH, ...cas.flatMap((c) => (c.customPath ? [c.customPath] : []))])];
}

/**
 * The preprocessor's environment for Private CA: `PRIVATE_CA_ARNS` (comma-separated) and, when a CA has a custom
 * path, `PRIVATE_CA_PATHS` (JSON object: custom path, relative to the bucket root, to CA ARN).
 */
export function privateCaEnvironment(cas: readonly PrivateCaSource[]): Record<string, string> {
  if (cas.length === 0) return {};
  const paths = Object.fromEntries(
    cas.flatMap((c) => (c.customPath ? [[c.customPath, c.certificateAuthority.certificateAuthorityArn]] : [])),
  );
  return {
    PRIVATE_CA_ARNS: cas.map((c) => c.certificateAuthority.certificateAuthorityArn).join(','),
    ...(Object.keys(paths).length > 0 && { PRIVATE_CA_PATHS: JSON.stringify(paths) }),
  };
}

/** The preprocessor reads each CA's certificate from the service (GetCertificateAuthorityCertificate), on them only. */
export function grantCaCertificateRead(fn: lambda.IFunction, cas: readonly PrivateCaSource[]): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['acm-pca:GetCertificateAuthorityCertificate'],
      resources: cas.map((c) => c.certificateAuthority.certificateAuthorityArn),
    }),
  );
}

/**
 * Lets Private CA (`acm-pca.amazonaws.com`) publish CRLs into the bucket, as its user guide's "Access policies for
 * CRLs in Amazon S3" asks: PutObject/PutObjectAcl on the objects it writes, GetBucketAcl/GetBucketLocation on the
 * bucket, each conditioned on the CAs (aws:SourceArn) and their accounts (aws:SourceAccount), against the
 * confused-deputy problem. With a KMS key on the bucket the key policy lets the service encrypt (as "Encrypting
 * your CRLs" asks), limited to this bucket's objects by the S3 encryption context.
 * Throws when the bucket's policy or the key's policy is not managed by this stack.
 */
export function grantPrivateCaPublish(bucket: s3.IBucket, cas: readonly PrivateCaSource[]): void {
  const arns = cas.map((c) => c.certificateAuthority.certificateAuthorityArn);
  const accounts = [...new Set(arns.map(accountOf))];
  const conditions = {
    StringEquals: { 'aws:SourceAccount': accounts.length === 1 ? accounts[0]! : accounts },
    ArnLike: { 'aws:SourceArn': arns },
  };
  const principal = new iam.ServicePrincipal('acm-pca.amazonaws.com');
  const objectKeys = [PERMISSION_TEST_KEY, ...privateCaPaths(cas).map((p) => `${p}/*`)];
  const added = [
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PrivateCaWritesCrls',
        principals: [principal],
        // PutObjectAcl: Private CA sets the ACL it is configured with (S3ObjectAcl). The bucket disables ACLs
        // (bucket owner enforced), which accepts only BUCKET_OWNER_FULL_CONTROL: configure the CA with it.
        actions: ['s3:PutObject', 's3:PutObjectAcl'],
        resources: objectKeys.map((k) => bucket.arnForObjects(k)),
        conditions,
      }),
    ),
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PrivateCaChecksBucket',
        principals: [principal],
        actions: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
        resources: [bucket.bucketArn],
        conditions,
      }),
    ),
  ];
  if (added.some((r) => !r.statementAdded)) {
    throw new Error(
      'CrlAuthorizer: privateCas needs a bucket whose policy this stack manages; for an imported bucket add the ' +
        'acm-pca.amazonaws.com statements to its policy yourself (see docs/deploy.md)',
    );
  }
  const key = bucket.encryptionKey;
  if (!key) return;
  // The key policy cannot name a bucket whose name CloudFormation generates (the bucket refers to the key: a
  // cycle), so the encryption context names the object keys in any bucket; the key serves this bucket only.
  const name = Token.isUnresolved(bucket.bucketName) ? '*' : bucket.bucketName;
  const partition = Token.isUnresolved(bucket.bucketArn) ? Aws.PARTITION : bucket.bucketArn.split(':')[1]!;
  const s3Arn = (k: string) => `arn:${partition}:s3:::${name}${k}`;
  const keyAdded = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'PrivateCaEncryptsCrls',
      principals: [principal],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringLike: {
          // Per object; with S3 Bucket Keys the context is the bucket's ARN instead.
          'kms:EncryptionContext:aws:s3:arn': [...objectKeys.map((k) => s3Arn(`/${k}`)), s3Arn('')],
        },
      },
    }),
  );
  if (!keyAdded.statementAdded) {
    throw new Error(
      "CrlAuthorizer: privateCas with a KMS-encrypted bucket needs a key whose policy this stack manages; for an " +
        'imported key let acm-pca.amazonaws.com use it in its key policy yourself (see docs/deploy.md)',
    );
  }
}

/** The account of a CA ARN, for a literal and for a token alike. */
function accountOf(arn: string): string {
  if (!Token.isUnresolved(arn)) return arn.split(':')[4]!;
  return Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).account!;
}
