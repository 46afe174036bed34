import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CrlAuthorizer, type CrlAuthorizerProps } from '../../infra/index.js';

/** Templates do not depend on bundling: CDK's own switch skips it. */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const SOURCES = [
  { url: 'http://pki.example.com/CertEnroll/Issuing%20CA.crl', name: 'adcs/Issuing CA' },
  { url: 'http://pki.example.com/CertEnroll/Issuing%20CA+.crl', name: 'adcs/Issuing CA+' },
];

/** With `nag`, cdk-nag AwsSolutions runs and synth throws on an unacknowledged finding. */
function synth(props: CrlAuthorizerProps, nag = false) {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'us-east-1' } });
  const crl = new CrlAuthorizer(stack, 'Crl', props);
  if (nag) {
    // Server access logging is the example stack's choice (its log bucket), not the construct's.
    Validations.of(crl.bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'not under test here' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  app.synth();
  return { crl, template: Template.fromStack(stack) };
}

const fetcherStatements = (template: Template) => {
  const policies = template.findResources('AWS::IAM::Policy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith('CrlFetcherFunctionServiceRole'));
  return (entry![1] as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
    .PolicyDocument.Statement;
};

describe('CrlAuthorizer fetch', () => {
  it('has no fetcher unless asked', () => {
    const { crl, template } = synth({});
    expect(crl.fetcher).toBeUndefined();
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  it('schedules the fetcher every 15 minutes by default, with its sources and the store in its environment (cdk-nag clean)', () => {
    const { crl, template } = synth({ prefix: 'crls/', fetch: { sources: SOURCES } }, true);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CRL_SOURCES: JSON.stringify(SOURCES),
          CRL_STORE_URL: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          CRL_FETCH_TIMEOUT_MS: '30000',
        }),
      },
    });
    expect(crl.fetcher?.function).toBeDefined();
  });

  it('takes the rate from a prop', () => {
    const { template } = synth({ fetch: { sources: SOURCES, rate: Duration.hours(1) } });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
  });

  it('may read and put the named CRL objects only: no wildcard, no blob, no delete', () => {
    const { template } = synth({ prefix: 'crls/', fetch: { sources: SOURCES } });
    const statements = fetcherStatements(template);
    const put = statements.find((s) => JSON.stringify(s.Action).includes('s3:PutObject'))!;
    expect(put.Action).toEqual(['s3:GetObject', 's3:PutObject']);
    const resources = JSON.stringify(put.Resource);
    expect(resources).toContain('/crls/adcs/Issuing CA.crl"');
    expect(resources).toContain('/crls/adcs/Issuing CA+.crl"');
    expect((put.Resource as unknown[]).length).toBe(2);
    expect(resources).not.toContain('*');
    const all = JSON.stringify(statements);
    expect(all).not.toContain('DeleteObject');
    expect(all).not.toContain('cache.bin');
    const list = statements.find((s) => s.Action === 's3:ListBucket')!;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['crls/adcs/Issuing CA.crl', 'crls/adcs/Issuing CA+.crl'] } });
  });

  it('alarms after N runs in a row with a failure, on the failure count and the function errors', () => {
    const { crl, template } = synth({ fetch: { sources: SOURCES, failureAlarmRuns: 4, rate: Duration.minutes(30) } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      EvaluationPeriods: 4,
      DatapointsToAlarm: 4,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(errors, 0)' }),
        Match.objectLike({
          Id: 'failed',
          MetricStat: Match.objectLike({
            Metric: { MetricName: 'CrlFetchFailed', Namespace: 'CrlAuthorizer' },
            Period: 1800,
          }),
        }),
      ]),
    });
    expect(crl.fetcher?.failureAlarm).toBeDefined();
  });

  it.each([
    [{ sources: [] }, 'at least one CRL'],
    [{ sources: [{ url: 'ldap://dc1/CN=CA', name: 'ca' }] }, 'not an http(s) URL'],
    [{ sources: [{ url: 'http://a/b.crl', name: 'ca/*' }] }, 'without wildcards'],
    [{ sources: [{ url: 'http://a/b.crl', name: 'ca.crl' }] }, 'without wildcards or suffix'],
    [{ sources: [{ url: 'http://a/b.crl', name: 'a' }, { url: 'http://a/c.crl', name: 'a' }] }, 'appears twice'],
    [{ sources: SOURCES, rate: Duration.seconds(90) }, 'whole minutes'],
    [{ sources: SOURCES, failureAlarmRuns: 0 }, 'failureAlarmRuns'],
  ])('refuses %j', (fetch, message) => {
    expect(() => synth({ fetch })).toThrow(message);
  });
});
