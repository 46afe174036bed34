import { readCertificate, type CertFacts } from '../../src/x509/cert.js';
import { extendedKeyUsage, KP, makeCa, makeLeaf, ocspAia, type TestCert } from '../../src/testpki/index.js';

export interface OcspPki {
  ca: TestCert;
  caFacts: CertFacts;
  /** A delegated responder: issued by `ca`, id-kp-OCSPSigning. */
  responder: TestCert;
  otherCa: TestCert;
  leaf(serial: bigint, aia?: string): TestCert;
}

export function ocspPki(): OcspPki {
  const ca = makeCa({ name: 'CN=OCSP Test CA,O=Test,C=US' });
  const responder = makeLeaf(ca, {
    subject: 'CN=OCSP Responder,O=Test,C=US',
    extensions: [extendedKeyUsage([KP.ocspSigning])],
  });
  const otherCa = makeCa({ name: 'CN=Other CA,O=Test,C=US' });
  return {
    ca,
    caFacts: readCertificate(ca.der),
    responder,
    otherCa,
    leaf: (serial, aia) =>
      makeLeaf(ca, { serial, subject: `CN=leaf ${serial},O=Test,C=US`, ...(aia && { extensions: [ocspAia(aia)] }) }),
  };
}
