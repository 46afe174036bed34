/**
 * A local endpoint answering AWS Private CA's GetCertificateAuthorityCertificate in the service's JSON 1.1
 * protocol (X-Amz-Target: ACMPrivateCA.GetCertificateAuthorityCertificate), for the real @aws-sdk/client-acm-pca.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalPca {
  endpoint: string;
  /** ARN → the certificate PEM the endpoint returns now (a test replaces one to rotate a CA key). */
  certificates: Map<string, string>;
  /** The ARN of every GetCertificateAuthorityCertificate call, in order. */
  calls: string[];
  /** What the SDK needs to talk to it: the endpoint, a region, static credentials. */
  clientConfig: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startPca(): Promise<LocalPca> {
  const certificates = new Map<string, string>();
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'local' });
        res.end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'ACMPrivateCA.GetCertificateAuthorityCertificate') {
        return reply(400, { __type: 'InvalidAction', message: `unexpected target ${req.headers['x-amz-target']}` });
      }
      const { CertificateAuthorityArn: arn } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { CertificateAuthorityArn: string };
      calls.push(arn);
      const pem = certificates.get(arn);
      if (!pem) return reply(400, { __type: 'ResourceNotFoundException', message: `Could not find certificate authority ${arn}` });
      return reply(200, { Certificate: pem, CertificateChain: pem });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    certificates,
    calls,
    clientConfig: { endpoint, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' }, maxAttempts: 1 },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
