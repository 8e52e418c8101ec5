import type { ParseArgsConfig } from 'node:util';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress bars only then. */
  stderrIsTTY: boolean;
}

export type CliOptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CliCommand {
  name: string;
  /** One line for `clarity --help`. */
  summary: string;
  /** Full `clarity NAME --help` text (usage line, options, example). */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(input: { positionals: string[]; values: CliOptionValues; io: CliIO }): Promise<void>;
}
