import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/authorizer/log.js';
import { METRIC } from '../../src/config/names.js';
import { countEntry } from '../../src/log/emf.js';
import { emfProblems } from '../support/emf.js';

describe('the one EMF count writer', () => {
  it('counts one of a metric, with its dimensions as fields of the line', () => {
    const e = countEntry('Ns', 'Thing', { service: 's' }, 1234.7, { code: 'x', level: 'error' });
    expect(emfProblems(e)).toEqual([]);
    expect(e).toMatchObject({ service: 's', code: 'x', level: 'error', Thing: 1 });
    expect(e._aws).toEqual({
      Timestamp: 1234,
      CloudWatchMetrics: [{ Namespace: 'Ns', Dimensions: [['service']], Metrics: [{ Name: 'Thing', Unit: 'Count' }] }],
    });
  });

  it('counts without dimensions (the preprocessor, the fetcher) as one empty dimension set', () => {
    const e = countEntry('Ns', 'CrlRejected', {}, 5, { key: 'a.crl' });
    expect(emfProblems(e)).toEqual([]);
    expect((e._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]!.Dimensions).toEqual([[]]);
  });

  it("Metrics.countLine writes the authorizer's namespace and service (the denylist alarm reads exactly these)", () => {
    const line = JSON.parse(new Metrics('CrlAuthorizer', 'crl-authorizer').countLine(9, METRIC.denylistRefreshFailed, { code: 'denylist.malformed' }));
    expect(emfProblems(line)).toEqual([]);
    expect(line).toMatchObject({ service: 'crl-authorizer', code: 'denylist.malformed', DenylistRefreshFailed: 1 });
    expect(line._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'CrlAuthorizer', Dimensions: [['service']], Metrics: [{ Name: 'DenylistRefreshFailed', Unit: 'Count' }] },
    ]);
  });
});
