/** What CloudWatch requires of an Embedded Metric Format document, for the tests of every log writer. */

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: string }[];
}

/** What CloudWatch requires of an EMF document: every dimension and metric it names is a member of the root. */
export function emfProblems(doc: Record<string, unknown>): string[] {
  const aws = doc._aws as { Timestamp: number; CloudWatchMetrics: Directive[] } | undefined;
  if (!aws) return ['no _aws'];
  const problems: string[] = [];
  if (!Number.isInteger(aws.Timestamp)) problems.push('Timestamp');
  for (const d of aws.CloudWatchMetrics) {
    for (const set of d.Dimensions) for (const dim of set) if (typeof doc[dim] !== 'string') problems.push(`dimension ${dim}`);
    for (const m of d.Metrics) if (typeof doc[m.Name] !== 'number') problems.push(`metric ${m.Name}`);
  }
  return problems;
}
