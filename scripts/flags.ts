/**
 * Feature flags against a project's Remote Config server template:
 *   npm run flags -- check --project P [--template deploy/remote-config/server-template.json]
 * Fetches the published server template (Application Default Credentials) and fails when it lacks a flag the
 * code reads, holds it with another type, or differs from the repository's template in a condition or a
 * value. Publishing is done in the console (Remote Config > Server) or with the REST API
 * (projects.namespaces.updateRemoteConfig, namespace firebase-server); this check is what the deploy runs,
 * so a template and the code cannot drift apart unnoticed.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { initializeApp } from 'firebase-admin/app';
import { getRemoteConfig, type ServerTemplateData } from 'firebase-admin/remote-config';
import { flagDefaults, flagNames } from '../functions/src/platform/flags.ts';

type Template = Pick<ServerTemplateData, 'conditions' | 'parameters'>;

/** Differences that matter, as sentences; empty when the published template matches the repository's. */
export function compareTemplates(repo: Template, published: Template): string[] {
  const problems: string[] = [];
  for (const name of flagNames) {
    const p = published.parameters[name];
    if (!p) {
      problems.push(
        `${name}: missing from the published template (the code's default ${flagDefaults[name]} applies)`,
      );
      continue;
    }
    if (p.valueType !== 'BOOLEAN')
      problems.push(`${name}: published as ${p.valueType ?? 'STRING'}, the code reads BOOLEAN`);
    const r = repo.parameters[name];
    if (r && JSON.stringify(r.defaultValue) !== JSON.stringify(p.defaultValue)) {
      problems.push(
        `${name}: default ${JSON.stringify(p.defaultValue)} published, ${JSON.stringify(r.defaultValue)} in the repository`,
      );
    }
    if (r && JSON.stringify(r.conditionalValues ?? {}) !== JSON.stringify(p.conditionalValues ?? {})) {
      problems.push(`${name}: conditional values differ from the repository's`);
    }
  }
  for (const c of repo.conditions) {
    const p = published.conditions.find((x) => x.name === c.name);
    if (!p) problems.push(`condition ${c.name}: missing from the published template`);
    else if (JSON.stringify(p.condition) !== JSON.stringify(c.condition)) {
      problems.push(`condition ${c.name}: differs from the repository's`);
    }
  }
  return problems;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const opt = (k: string): string | undefined => {
    const i = rest.indexOf(`--${k}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const project = opt('project');
  if (command !== 'check' || !project) {
    console.error('usage: npm run flags -- check --project PROJECT [--template FILE]');
    return 2;
  }
  const file =
    opt('template') ??
    fileURLToPath(new URL('../deploy/remote-config/server-template.json', import.meta.url));
  const repo = JSON.parse(await readFile(file, 'utf8')) as Template;
  const app = initializeApp({ projectId: project }, 'flags-check');
  const published = (await getRemoteConfig(app).getServerTemplate()).toJSON();
  const problems = compareTemplates(repo, published);
  for (const p of problems) console.error(`flags: ${p}`);
  console.log(
    problems.length === 0
      ? `flags: ${project} matches the repository's template`
      : `flags: ${problems.length} difference(s)`,
  );
  return problems.length === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
