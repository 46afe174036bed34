import { spawn } from 'node:child_process';

/**
 * Runs a command to its end and gives what it wrote, for harnesses that run a bundle in a fresh Node process.
 * The environment is exactly `env` plus PATH (nothing of the test runner's leaks in, as in Lambda); `stdin`, when
 * given, is written and closed.
 */
export function runCollect(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => resolve({ stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
