import { describe, expect, it } from 'vitest';
import { deferredStdoutSink } from '../../src/authorizer/stdout.js';

describe('the default log sink (stdout after the response)', () => {
  it('writes nothing during the request, then every queued line, in order, in one write', async () => {
    const writes: string[] = [];
    const sink = deferredStdoutSink((t) => writes.push(t));
    sink('{"message":"index loaded"}');
    sink('{"message":"decision"}');
    // A resolved handler promise's continuation (where the runtime sends the response) runs before the write.
    await Promise.resolve();
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['{"message":"index loaded"}\n{"message":"decision"}\n']);
    sink('{"message":"next"}');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['{"message":"index loaded"}\n{"message":"decision"}\n', '{"message":"next"}\n']);
  });

  it('writes what is still queued when the process exits', () => {
    const writes: string[] = [];
    const sink = deferredStdoutSink((t) => writes.push(t));
    sink('{"message":"decision"}');
    process.emit('exit', 0);
    expect(writes).toEqual(['{"message":"decision"}\n']);
  });
});
