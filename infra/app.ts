import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExampleStack, exampleConfigFromContext } from './example-stack.js';

const app = new App();
const config = exampleConfigFromContext(app.node);
new ExampleStack(app, app.node.tryGetContext('stackName') ?? 'CrlAuthorizerExample', {
  description: 'crl-authorizer example: API Gateway mutual TLS with a CRL check',
  ...config,
  ...(process.env.CDK_DEFAULT_ACCOUNT && {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  }),
});
// Every AwsSolutions finding either passes or is acknowledged with a reason; anything else fails synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
