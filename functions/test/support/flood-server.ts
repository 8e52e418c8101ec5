/**
 * One API instance for the flood test: the app exactly as the `api` function builds it (apiFromParams, from
 * the params file named by argv[2] and the emulator secrets of functions/.secret.local), served by this
 * process on a loopback port, on the Auth and Firestore emulators. Prints {"port":…} once listening. Run
 * from the functions folder, as the Functions emulator runs the function.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const functionsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function loadEnv(file: string): void {
  for (const line of readFileSync(path.resolve(functionsDir, file), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && process.env[m[1]] === undefined) process.env[m[1]] = m[2] ?? '';
  }
}

const paramsFile = process.argv[2];
if (!paramsFile) throw new Error('usage: node flood-server.ts <params.env>');
loadEnv(paramsFile);
loadEnv('.secret.local');
// Imported after the params are in the environment.
const { apiFromParams } = await import('../../src/api/function.ts');
const server = createServer(apiFromParams());
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
