/**
 * One API instance for the load tests (flood.ts, heavy.ts; started by api-process.ts): the app exactly as
 * the `api` function builds it (apiFromParams, from the params file named by argv[2] and the emulator
 * secrets of functions/.secret.local), served by this process on a loopback port, on the Auth and Firestore
 * emulators. Prints {"port":…} once listening. Run from the functions folder, as the Functions emulator runs
 * the function. With `--memory`, it samples its own memory every 10 ms and, on SIGTERM, prints one line
 * {"memory":{"peakRss":…,"peakHeapUsed":…,"peakExternal":…,"vmHwm":…}} (bytes; vmHwm is the kernel's
 * high-water mark of the resident set, /proc/self/status, so nothing between two samples is missed).
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
// The Functions emulator runs the function with FUNCTIONS_EMULATOR=true (config.ts runtime.isEmulator: the
// demo signing secret of .secret.local is accepted there only); this process stands in for it.
process.env.FUNCTIONS_EMULATOR ??= 'true';
loadEnv('.secret.local');
// Imported after the params are in the environment.
const { apiFromParams } = await import('../../src/api/function.ts');
const server = createServer(apiFromParams());
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
const peak = { peakRss: 0, peakHeapUsed: 0, peakExternal: 0 };
const sampler = process.argv.includes('--memory')
  ? setInterval(() => {
      const m = process.memoryUsage();
      peak.peakRss = Math.max(peak.peakRss, m.rss);
      peak.peakHeapUsed = Math.max(peak.peakHeapUsed, m.heapUsed);
      peak.peakExternal = Math.max(peak.peakExternal, m.external);
    }, 10)
  : undefined;

/** VmHWM of /proc/self/status in bytes (Linux), or null. */
function vmHwm(): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

process.on('SIGTERM', () => {
  if (sampler) {
    clearInterval(sampler);
    console.log(JSON.stringify({ memory: { ...peak, vmHwm: vmHwm() } }));
  }
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
