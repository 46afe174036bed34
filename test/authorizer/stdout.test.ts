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

  it('makes a line queued as a function only at the flush, in its place in the queue', async () => {
    const writes: string[] = [];
    const sink = deferredStdoutSink((t) => writes.push(t));
    let made = 0;
    sink('{"message":"first"}');
    sink(() => {
      made++;
      return '{"message":"decision"}';
    });
    sink('{"message":"last"}');
    await Promise.resolve();
    expect(made).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(made).toBe(1);
    expect(writes).toEqual(['{"message":"first"}\n{"message":"decision"}\n{"message":"last"}\n']);
  });

  it('writes an error line in place of a line whose maker throws, and the other lines as well', async () => {
    const writes: string[] = [];
    const sink = deferredStdoutSink((t) => writes.push(t));
    sink(() => {
      throw new Error('no fields');
    });
    sink('{"message":"next"}');
    await new Promise((r) => setImmediate(r));
    const lines = writes.join('').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([{ level: 'ERROR', message: 'log line failed', reason: 'no fields' }, { message: 'next' }]);
  });
});
