#!/usr/bin/env node
// The `clarity` CLI. Node >= 22.18 runs the TypeScript sources directly (type stripping), so no build step
// stands between `npm ci` and `npx clarity`.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `clarity: Node.js >= 22.18 is required (this is ${process.version}); run "source scripts/node-env.sh" or install Node 22.`,
  );
  process.exit(2);
}
await import('../src/cli/main.ts');
