import { ClarityError } from '../../errors.ts';
import type { CliCommand } from '../command.ts';

// Placeholder until this command is implemented; it fails loudly rather than printing nothing.
export const command: CliCommand = {
  name: 'circadian',
  summary: '(not yet implemented)',
  help: 'clarity circadian: not yet implemented',
  options: {},
  run() {
    return Promise.reject(new ClarityError('internal', 'clarity circadian is not implemented yet'));
  },
};
