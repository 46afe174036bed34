/** The child side of bench/children.ts: arguments in as JSON (argv[2]), one JSON line out. */

export function taskArgs<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('bench task: missing JSON argument');
  return JSON.parse(raw) as T;
}

export function reply(result: object): void {
  // maxRSS is in kilobytes; the parent prefers GNU time's figure and falls back to this one.
  const selfMaxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ ...result, selfMaxRssBytes })}\n`);
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs the task, turning any failure into a non-zero exit with the error on stderr. */
export function main(task: () => Promise<object> | object): void {
  Promise.resolve()
    .then(task)
    .then(reply)
    .catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    });
}

/** Forces a full collection between timed repetitions when node runs with --expose-gc. */
export function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
