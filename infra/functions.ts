import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const BASIC_EXECUTION_POLICY =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/** What differs between the construct's functions; everything else (runtime, bundling, logs) is shared. */
export interface BundledFunctionOptions {
  /** The folder under src/ whose index exports `handler`: `preprocessor`, `authorizer`, ... */
  readonly handler: string;
  /**
   * The module in that folder to bundle, without extension; `index` unless given. The authorizer names `lambda`,
   * its ESM entry whose top-level await makes INIT include the blob load (src/authorizer/lambda.ts).
   */
  readonly entry?: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  /** `'none'` leaves the function unreserved. */
  readonly reservedConcurrency: number | 'none';
  readonly onFailure?: lambda.IDestination;
}

export interface BundledFunction {
  readonly fn: NodejsFunction;
  readonly logGroup: logs.LogGroup;
}

/**
 * One of the construct's Lambda functions: Node.js 22 on arm64, bundled locally by esbuild, with its own log group
 * (so it has a retention) and the cdk-nag findings every such function carries acknowledged with their reason.
 * A new function (the CRL fetcher, say) is one call to this.
 */
export function bundledFunction(scope: Construct, id: string, o: BundledFunctionOptions): BundledFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: o.logRetention });
  const fn = new NodejsFunction(scope, id, {
    entry: handlerEntry(o.handler, o.entry),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    bundling: BUNDLING,
    description: o.description,
    memorySize: o.memorySize,
    timeout: o.timeout,
    logGroup,
    environment: o.environment,
    ...(o.reservedConcurrency !== 'none' && { reservedConcurrentExecutions: o.reservedConcurrency }),
    ...(o.onFailure && { onFailure: o.onFailure }),
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Node.js 22 is the runtime the project targets and tests (DESIGN.md); moving to a newer ' +
      'runtime is a deliberate, tested change.',
  });
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM4[${BASIC_EXECUTION_POLICY}]`,
    reason: 'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs.',
  });
  return { fn, logGroup };
}

/** What every function of the construct shares: the handler export, runtime, architecture and bundling. */
export function functionDefaults(entry: string) {
  return {
    entry,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    bundling: BUNDLING,
  };
}

const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: false,
  // The SDK goes into the bundle: a pinned, tested version, and the store imports it lazily.
  bundleAwsSDK: true,
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require() for Node built-ins.
  banner: "import { createRequire as __crlCreateRequire } from 'node:module'; " +
    'const require = __crlCreateRequire(import.meta.url);',
  forceDockerBundling: false,
  logLevel: LogLevel.WARNING,
};

/** The handler source: `.ts` in the repository, `.js` in the published package (both beside this file's parent). */
function handlerEntry(handler: string, entry = 'index'): string {
  const candidates = [`${entry}.ts`, `${entry}.js`].map((f) =>
    fileURLToPath(new URL(`../src/${handler}/${f}`, import.meta.url)),
  );
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`CrlAuthorizer: the ${handler} handler is missing (looked for ${candidates.join(', ')})`);
  return found;
}
