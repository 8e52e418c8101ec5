/**
 * `npm run demo`: the main job on the embedded default, no cloud account. Starts the Emulator Suite with
 * the functions, then runs scripts/demo-client.ts against it: a demo user signs in, a real Apple Health
 * export from ../shared/data (or a bundled generated batch when that folder is absent) is uploaded through
 * the API, and the upload is followed live with a Firestore listener until it is ingested.
 * `npm run demo -- --keep` leaves the emulators running afterwards (Ctrl-C to stop).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError } from './emulator-binaries.ts';
import { emulatorList, firebase, prepareEmulators } from './emulators.ts';

const keep = process.argv.includes('--keep');
let env: NodeJS.ProcessEnv;
try {
  env = await prepareEmulators();
} catch (e) {
  if (e instanceof SetupError) {
    console.error(`demo: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
const client = path.join(path.dirname(fileURLToPath(import.meta.url)), 'demo-client.ts');
const clientCmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(client)}${keep ? ' --keep' : ''}`;
const code = await firebase(
  ['emulators:exec', '--only', emulatorList, '--log-verbosity', 'QUIET', clientCmd],
  env,
);
process.exitCode = code;
