import { parseArgs } from 'node:util';
import { isClarityError } from '../errors.ts';
import type { CliCommand, CliIO } from './command.ts';
import { command as circadian } from './commands/circadian.ts';
import { command as exportFile } from './commands/export.ts';
import { command as hrv } from './commands/hrv.ts';
import { command as importFile } from './commands/import.ts';
import { command as score } from './commands/score.ts';
import { command as sleep } from './commands/sleep.ts';
import { command as summary } from './commands/summary.ts';

const commands: CliCommand[] = [score, sleep, circadian, hrv, summary, importFile, exportFile];

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'clarity: actigraphy, sleep, circadian and HRV analytics, and health-data import, on local files.',
    '',
    'Usage: clarity <command> FILE [options]     clarity <command> --help',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

/**
 * node:util parseArgs explains an unknown option in three sentences (how to pass a positional that starts
 * with '-'); the first says what is wrong, on one line.
 */
export function argumentError(message: string): string {
  const first = message.split(/(?<=\.)\s/)[0] ?? message;
  return first.replace(/\s+/g, ' ').replace(/\.$/, '');
}

/** Runs the CLI and returns the exit status: 0 ok, 2 bad input or usage, 1 internal failure. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topHelp());
    return name === undefined ? 2 : 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.stderr(`clarity: unknown command "${name}"; run "clarity --help" for the list\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    io.stderr(
      `clarity ${cmd.name}: ${argumentError((e as Error).message)}; see clarity ${cmd.name} --help\n`,
    );
    return 2;
  }
  if (parsed.values.help) {
    io.stdout(cmd.help.endsWith('\n') ? cmd.help : `${cmd.help}\n`);
    return 0;
  }
  try {
    await cmd.run({ positionals: parsed.positionals, values: parsed.values, io });
    return 0;
  } catch (e) {
    if (isClarityError(e)) {
      io.stderr(`clarity ${cmd.name}: ${e.message}\n`);
      return e.httpStatus < 500 ? 2 : 1;
    }
    io.stderr(`clarity ${cmd.name}: internal error: ${(e as Error).message}\n`);
    return 1;
  }
}

// Entry point when run as a program (bin/clarity.js imports this module).
if (process.argv[1] !== undefined && /clarity(\.js)?$|cli[\\/]main\.ts$/.test(process.argv[1])) {
  // `clarity score FILE | head`: the reader went away; stop quietly like any Unix tool.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const code = await runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stderrIsTTY: process.stderr.isTTY,
  });
  process.exitCode = code;
}
