import type { S3Event } from '../../src/preprocessor/index.js';

/**
 * An S3 event notification as AWS documents it ("Event message structure", eventVersion 2.1). The handler must not
 * rely on eventVersion; the key arrives URL-encoded.
 */
export function s3Event(eventName: string, bucket: string, encodedKey: string, eTag = '0123456789abcdef'): S3Event {
  const record = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2026-01-01T00:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'crl-notification',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodedKey,
        size: 1024,
        eTag,
        versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
  return { Records: [record] };
}

/** S3's own encoding of keys in events: form-encoding, `+` for a space. */
export const encodeKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
