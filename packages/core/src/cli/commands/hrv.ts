import { ClarityError } from '../../errors.ts';
import type { CliCommand } from '../command.ts';

// Placeholder until this command is implemented; it fails loudly rather than printing nothing.
export const command: CliCommand = {
  name: 'hrv',
  summary: '(not yet implemented)',
  help: 'clarity hrv: not yet implemented',
  options: {},
  run() {
    return Promise.reject(new ClarityError('internal', 'clarity hrv is not implemented yet'));
  },
};
