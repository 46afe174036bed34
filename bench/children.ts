import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Every heavy measurement runs in a child process of its own, so that one method's heap never inflates another's
 * peak RSS or GC pauses. Children are esbuild bundles run by plain `node` (no TypeScript loader in the measured
 * process), and each runs under GNU time when it is present, which gives the peak RSS of any command (openssl
 * included) the same way.
 */

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const TASKS = ['preprocess', 'pkijs', 'cold-load', 'lookup', 'handler', 'revalidate', 'ocsp', 'delta', 'deployed'] as const;
export type TaskName = (typeof TASKS)[number];

export interface ProcessMeasure {
  /** Spawn to exit, measured by the parent. */
  wallMs: number;
  /** Peak resident set (VmHWM) of the measured process, bytes; null when it could not be read. */
  peakRssBytes: number | null;
}

export interface ChildResult<T> extends ProcessMeasure {
  result: T;
}

const GNU_TIME = '/usr/bin/time';

export class Children {
  private bundleDir: string | undefined;
  private readonly timeAvailable = existsSync(GNU_TIME);
  /** Process groups of the children still running, so that an interrupted bench leaves none behind. */
  private readonly running = new Set<number>();

  /** Bundles every task entry once per bench run (a fraction of a second with esbuild). */
  async prepare(): Promise<void> {
    // Inside the repository, whatever --cache says: the bundles import their dependencies from node_modules.
    const dir = path.join(BENCH_DIR, '.cache', `bundle-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await build({
      entryPoints: Object.fromEntries(TASKS.map((t) => [t, path.join(BENCH_DIR, 'tasks', `${t}.ts`)])),
      outdir: dir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outExtension: { '.js': '.mjs' },
      // Only this repository's TypeScript is bundled; packages load from node_modules as they would in use.
      packages: 'external',
      logLevel: 'error',
      sourcemap: false,
    });
    this.bundleDir = dir;
  }

  /**
   * Runs one task in a fresh `node` and returns what it printed as its result (the last stdout line, JSON).
   * `nodeFlags` such as --expose-gc or --max-old-space-size go to that node.
   */
  async task<T>(
    name: TaskName,
    args: unknown,
    opts: { nodeFlags?: readonly string[]; timeoutMs?: number } = {},
  ): Promise<ChildResult<T>> {
    if (!this.bundleDir) throw new Error('Children.prepare() was not called');
    const entry = path.join(this.bundleDir, `${name}.mjs`);
    const run = await this.command(process.execPath, [...(opts.nodeFlags ?? []), entry, JSON.stringify(args)], opts.timeoutMs);
    if (run.timedOut) throw new TimeoutError(`bench task ${name} did not finish within ${Math.round(opts.timeoutMs! / 1000)} s`);
    if (run.code !== 0) {
      throw new Error(`bench task ${name} exited with ${run.code}: ${run.stderr.trim().split('\n').slice(-8).join('\n')}`);
    }
    const lines = run.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]!) as T & { selfMaxRssBytes?: number };
    return {
      result,
      wallMs: run.wallMs,
      peakRssBytes: run.peakRssBytes ?? result.selfMaxRssBytes ?? null,
    };
  }

  /** Any command, with wall time and (under GNU time) peak RSS. */
  async command(
    file: string,
    args: readonly string[],
    timeoutMs?: number,
  ): Promise<ProcessMeasure & { code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
    const rssFile = path.join(tmpdir(), `bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const [cmd, argv] = this.timeAvailable
      ? [GNU_TIME, ['-f', '%M', '-o', rssFile, file, ...args]]
      : [file, [...args]];
    const started = process.hrtime.bigint();
    // A process group of its own, so that a timeout ends the measured command and not only GNU time.
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) this.running.add(child.pid);
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // already gone
            }
          }, timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c) => resolve(c));
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (timer) clearTimeout(timer);
    if (child.pid !== undefined) this.running.delete(child.pid);
    let peakRssBytes: number | null = null;
    if (this.timeAvailable) {
      try {
        // GNU time appends "Command exited with non-zero status N" before the figure when the command fails.
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        const kb = Number(lines[lines.length - 1]);
        if (Number.isFinite(kb)) peakRssBytes = kb * 1024;
      } catch {
        // no figure: leave null
      }
      rmSync(rssFile, { force: true });
    }
    return { code, stdout, stderr, wallMs, peakRssBytes, timedOut };
  }

  /** Ends every child still running (each in its own process group). */
  killRunning(): void {
    for (const pid of this.running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.running.clear();
  }

  dispose(): void {
    if (this.bundleDir) rmSync(this.bundleDir, { recursive: true, force: true });
  }
}

export class TimeoutError extends Error {}
