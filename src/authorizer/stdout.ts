/** A line, or a function that makes it: a decision line's JSON is built at the flush, after the response too. */
export type DeferredSink = (line: string | (() => string)) => void;

/**
 * Where the handler writes its decision lines by default: stdout, after the response instead of during the request. A write to
 * stdout is a synchronous syscall (a file or a pipe on Linux), and on a Firecracker guest such as Lambda's it
 * costs about 15 µs hot and over 100 µs after the process has slept between requests: measured here, it was the
 * largest part of a warm decision (issue #11). Lines are queued and written together on the next turn of the
 * event loop, after the handler's promise has resolved and the runtime has sent the response, and before the
 * runtime asks for the next invocation, so every line still lands in its own invocation's log. A process that
 * exits first writes what is queued on `exit`.
 *
 * A line may be queued as a function that makes it: the handler queues the decision line that way, so its JSON
 * (the largest part of a warm request after the write itself) is also built after the response. A maker that
 * throws leaves a line saying so in place of its own.
 */
export function deferredStdoutSink(write: (text: string) => void = (t) => process.stdout.write(t)): DeferredSink {
  let queued: (string | (() => string))[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (queued.length === 0) return;
    const lines = queued;
    queued = [];
    let text = '';
    for (const line of lines) text += (typeof line === 'string' ? line : made(line)) + '\n';
    try {
      write(text);
    } catch {
      // A closed stdout loses the lines; it must not become an uncaught exception.
    }
  };
  process.on('exit', flush);
  return (line) => {
    queued.push(line);
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
}

function made(make: () => string): string {
  try {
    return make();
  } catch (e) {
    return JSON.stringify({ level: 'ERROR', message: 'log line failed', reason: e instanceof Error ? e.message : String(e) });
  }
}
