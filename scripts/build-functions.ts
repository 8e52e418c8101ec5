/**
 * Bundles the functions codebase with esbuild into functions/lib/index.js. The workspace package
 * (@clarity/core, TypeScript sources) is bundled in, so the deployed folder needs nothing from the
 * monorepo; npm dependencies stay external and are installed from functions/package.json on deploy.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const functionsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'functions');

export async function buildFunctions(): Promise<void> {
  const pkg = JSON.parse(readFileSync(path.join(functionsDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  await build({
    entryPoints: [path.join(functionsDir, 'src', 'index.ts')],
    outfile: path.join(functionsDir, 'lib', 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    sourcemap: 'linked',
    external: Object.keys(pkg.dependencies ?? {}),
    // Some bundled CommonJS code calls require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __clarityCreateRequire } from 'node:module'; const require = __clarityCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildFunctions();
}
