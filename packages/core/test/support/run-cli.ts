import { runCli } from '../../src/cli/main.ts';

/** Runs the clarity CLI in process and returns its exit status and what it wrote to stdout and stderr. */
export async function runCliCaptured(
  argv: string[],
  stderrIsTTY = false,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    stderrIsTTY,
  });
  return { code, out, err };
}
