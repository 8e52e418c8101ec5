/**
 * `npm run demo`: the main job on the embedded default, no cloud account. Starts the Emulator Suite with
 * the functions, then runs scripts/demo-client.ts against it: a demo user signs in, a real Apple Health
 * export from ../shared/data (or a bundled generated batch when that folder is absent) is uploaded through
 * the API, and the upload is followed live with a Firestore listener until it is ingested.
 * `npm run demo -- --keep` leaves the emulators running afterwards (Ctrl-C to stop).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError } from './emulator-binaries.ts';
import { emulatorList, prepareEmulators, projectId, repoRoot } from './emulators.ts';

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
const child = spawn(
  process.execPath,
  [
    path.join(repoRoot, 'node_modules', 'firebase-tools', 'lib', 'bin', 'firebase.js'),
    'emulators:exec',
    '--only',
    emulatorList,
    '--project',
    projectId,
    '--log-verbosity',
    'QUIET',
    clientCmd,
  ],
  { cwd: repoRoot, env, stdio: ['inherit', 'inherit', 'inherit'] },
);
child.on('exit', (code) => {
  process.exitCode = code ?? 1;
});
