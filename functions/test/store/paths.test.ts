/**
 * One owner for Firestore paths: no file of functions/src but store/paths.ts spells a collection name or a
 * path (nor does any command in scripts/), and the GDPR lists of account-data.ts come from paths.ts's `userData`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collections,
  paths,
  triggerDocuments,
  seriesCollections,
  userCollections,
  userData,
  userSubcollections,
  webhookCollections,
  type TopCollection,
} from '../../src/store/paths.ts';
import { pipelinePaths } from '../../src/store/pipeline-paths.ts';
import {
  exportedTopLevel,
  userKeyedDocuments,
  userKeyedQueries,
  userObjectPrefixes,
} from '../../src/store/account-data.ts';
import { RateLimiter } from '../../src/api/rate-limit.ts';

const srcDir = join(import.meta.dirname, '../../src');
const scriptsDir = join(import.meta.dirname, '../../../scripts');
const owner = 'store/paths.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Code without its comments (a path in a comment documents, it does not address). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const names = [...Object.values(collections), ...Object.values(userCollections)];
const alternation = names.join('|');
/** Ways a Firestore path is spelled by hand. */
const offenders: { what: string; re: RegExp }[] = [
  // .collection('x'), .doc(`x/${id}`), collectionGroup("x"): a literal handed to the SDK (a template without a
  // slash is a document id, as in .doc(`${uid}_${nonce}`))
  {
    what: 'literal passed to the Firestore SDK',
    re: /\.(?:collection|collectionGroup|doc)\(\s*(?:'[^']*'|"[^"]*"|`[^`]*\/[^`]*`)/,
  },
  // 'users/...', `audit/${id}`, "users/{uid}/uploads/{uploadId}"
  { what: 'path literal', re: new RegExp(`['"\`](?:${Object.values(collections).join('|')})/`) },
  // `${base}/series/${id}`, '{uid}/uploads/{uploadId}': a subcollection spelled after a path segment
  { what: 'subcollection in a path literal', re: new RegExp(`[}]/(?:${alternation})(?:/|['"\`])`) },
  // export const fooCollection = 'audit'
  {
    what: 'collection name constant',
    re: new RegExp(`=\\s*['"\`](?:${Object.values(collections).join('|')})['"\`]`),
  },
];

/** API routes ('/v1/health/insights/{id}/feedback') are URLs, not Firestore paths. */
const apiRoute = /(['"`])\/v1\/[^'"`]*\1/g;

function findOffences(file: string, text: string): string[] {
  const out: string[] = [];
  stripComments(text)
    .split('\n')
    .forEach((line, i) => {
      const code = line.replace(apiRoute, "''");
      for (const o of offenders) if (o.re.test(code)) out.push(`${file}:${i + 1} ${o.what}: ${line.trim()}`);
    });
  return out;
}

describe('paths module', () => {
  it('is the only file of functions/src that spells a Firestore path or collection name', () => {
    const found = sourceFiles(srcDir)
      .map((f) => [relative(srcDir, f).replaceAll('\\', '/'), f] as const)
      .filter(([rel]) => rel !== owner)
      .flatMap(([rel, f]) => findOffences(rel, readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });

  it('nor does any command in scripts/ (they address Firestore through paths.ts or @clarity/client)', () => {
    // The demo client uses the client SDK's segment form (collection(db, 'users', uid, 'jobs')), which these
    // patterns, written for the Admin SDK's path strings, do not flag.
    const found = sourceFiles(scriptsDir)
      .map((f) => [relative(scriptsDir, f).replaceAll('\\', '/'), f] as const)
      .filter(([rel]) => !rel.startsWith('test/'))
      .flatMap(([rel, f]) => findOffences(`scripts/${rel}`, readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });

  it('catches the ways a path is spelled by hand', () => {
    const samples = [
      "db.collection('users').listDocuments()",
      'db.collection(`users/${uid}/devices`)',
      "  document: 'users/{uid}/uploads/{uploadId}',",
      "const c = 'deadLetters/' + id;",
      'resource: `${base}/jobs/${jobId}`,',
      "export const auditCollection = 'audit';",
      "ref.collection('series')",
    ];
    for (const s of samples) expect(findOffences('x.ts', s), s).not.toEqual([]);
    const fine = [
      '// users/{uid}/uploads/{uploadId} in a comment',
      "const url = 'https://example.com/users/1';",
      'res.location(`/v1/health/jobs/${jobId}`);',
      "path: '/v1/health/insights/{id}/feedback',",
      'db.collection(paths.series(uid))',
    ];
    for (const s of fine) expect(findOffences('x.ts', s), s).toEqual([]);
  });

  it('builds the documented paths', () => {
    expect(paths.upload('u1', 'up1')).toBe('users/u1/uploads/up1');
    expect(paths.seriesDoc('u1', 'steps', '2026-01-02')).toBe('users/u1/series/steps_2026-01-02');
    expect(paths.job('u1', 'j1')).toBe('users/u1/jobs/j1');
    expect(paths.analysis('u1', 'a1')).toBe('users/u1/analyses/a1');
    expect(paths.insight('u1', 'i1')).toBe('users/u1/insights/i1');
    expect(paths.devices('u1')).toBe('users/u1/devices');
    expect(paths.webhooks('u1')).toBe('users/u1/webhooks');
    expect(paths.llmUsage('u1', '2026-01-02')).toBe('users/u1/usage/llm_2026-01-02');
    expect(paths.llmCache('h')).toBe('llmCache/h');
    expect(paths.deadLetter('d')).toBe('deadLetters/d');
    expect(paths.systemHealth()).toBe('system/health');
    expect(paths.uploadObjectPrefix('u1')).toBe('uploads/u1/');
    expect(triggerDocuments).toEqual({
      upload: 'users/{uid}/uploads/{uploadId}',
      job: 'users/{uid}/jobs/{jobId}',
      analysis: 'users/{uid}/analyses/{analysisId}',
      insight: 'users/{uid}/insights/{insightId}',
    });
    // the old name still works for callers written before the merge
    expect(pipelinePaths.job('u1', 'j1')).toBe(paths.job('u1', 'j1'));
  });

  it('derives the GDPR lists from the per-collection rules', () => {
    expect(Object.keys(userData).sort()).toEqual(Object.keys(collections).sort());
    // Documents whose id derives from the uid: the signing key, and the rate-limit counter of the user.
    expect(userKeyedDocuments('UID')).toEqual(['signingKeys/UID', 'rateLimits/u_UID']);
    expect(userKeyedQueries).toEqual(
      expect.arrayContaining([
        { collection: 'signatureNonces', field: 'uid' },
        { collection: 'deadLetters', field: 'uid' },
        { collection: 'webhookSecrets', field: 'uid' },
        { collection: 'mail', field: 'uid' },
        { collection: 'llmCache', field: 'uid' },
      ]),
    );
    expect(userKeyedQueries).toHaveLength(5);
    // Credentials are erased but not exported; everything else about the user is in the export.
    expect(exportedTopLevel.map((e) => e.collection).sort()).toEqual([
      'deadLetters',
      'llmCache',
      'mail',
      'rateLimits',
      'signatureNonces',
    ]);
  });

  it("covers the rate limiter's per-user counter: the key it writes is the document the rules erase", () => {
    // api/rate-limit.ts keys a signed-in caller's bucket by the uid; an anonymous caller by a hash of the
    // address (no uid in it); the pool shards are everyone's.
    const key = RateLimiter.callerKey('user', 'UID');
    expect(`${collections.rateLimits}/${key}`).toBe(paths.rateLimitUser('UID'));
    expect(userKeyedDocuments('UID')).toContain(paths.rateLimitUser('UID'));
    expect(RateLimiter.callerKey('anon', '203.0.113.9')).not.toContain('203.0.113.9');
  });

  it('names every collection below a user subcollection in the export tree', () => {
    expect([...new Set(Object.values(userSubcollections).flat())].sort()).toEqual(
      [...Object.values(seriesCollections), ...Object.values(webhookCollections)].sort(),
    );
  });

  it('covers every user-scoped path: each path built from a uid is in the GDPR export and erasure', () => {
    expect(uncoveredUserPaths(paths)).toEqual([]);
    // The check catches a new user-scoped collection that no rule covers: a path keyed by the uid in a
    // collection declared `none`, in an unknown top-level collection, a document of a `byId` collection
    // other than the one its rule derives from the uid, or a Storage prefix not erased; and a path under
    // users/{uid} that the export's tree (paths.ts userSubcollections) does not page through.
    const leaky = {
      declared: (uid: string) => `users/${uid}/webhooks/w/attempts/a`,
      undeclared: (uid: string) => `users/${uid}/anything/x`,
      undeclaredBelow: (uid: string) => `users/${uid}/jobs/j/events/e`,
      okCounter: (uid: string) => `rateLimits/u_${uid}`,
      counterById: (uid: string) => `rateLimits/${uid}`,
      perDay: (uid: string, day: string) => `signingKeys/${uid}_${day}`,
      usage: (uid: string) => `experiments/${uid}`,
      unknown: (uid: string, id: string) => `newCollection/${uid}_${id}`,
      objects: (uid: string) => `exports/${uid}/`,
    };
    expect(uncoveredUserPaths(leaky)).toEqual([
      'undeclared -> users/UID/anything/x (not in the export tree)',
      'undeclaredBelow -> users/UID/jobs/j/events/e (not in the export tree)',
      'counterById -> rateLimits/UID (rule byId: rateLimits/u_UID)',
      'perDay -> signingKeys/UID_a (rule byId: signingKeys/UID)',
      'usage -> experiments/UID (rule none)',
      'unknown -> newCollection/UID_a (no rule)',
      'objects -> exports/UID/ (no rule)',
    ]);
  });
});

/**
 * Path builders whose first parameter is the uid, called with a marker uid: each result must be under
 * users/{uid} (the walked tree), a Storage prefix that erasure deletes, or a top-level collection whose
 * rule finds the user's documents (byId: exactly the document its rule derives from the uid; byField;
 * `kept` says why it stays). Code that keys a top-level document by the uid without a builder here is
 * caught on the emulators instead (gateway.int.test.ts lists every top-level collection after erasure).
 * Under users/{uid}, the path must be in the tree the export pages through (userCollections, then
 * userSubcollections).
 */
function uncoveredUserPaths(builders: Record<string, unknown>): string[] {
  const out: string[] = [];
  const prefixes = userObjectPrefixes('UID');
  for (const [name, fn] of Object.entries(builders)) {
    if (typeof fn !== 'function') continue;
    const first = /^\(?\s*([A-Za-z_$][\w$]*)/.exec(String(fn))?.[1];
    if (first !== 'uid') continue;
    const args = ['UID', 'a', 'b', 1].slice(0, Math.max(1, fn.length));
    const p = (fn as (...a: unknown[]) => string)(...args);
    if (p === 'users/UID') continue;
    if (p.startsWith('users/UID/')) {
      // Under users/{uid}: only in the tree the export pages through (userCollections, userSubcollections).
      const [, , sub, , child] = p.split('/');
      const key = (Object.keys(userCollections) as (keyof typeof userCollections)[]).find(
        (k) => userCollections[k] === sub,
      );
      if (key && (child === undefined || userSubcollections[key].includes(child))) continue;
      out.push(`${name} -> ${p} (not in the export tree)`);
      continue;
    }
    if (prefixes.some((x) => p.startsWith(x))) continue;
    const top = p.split('/')[0]!;
    const key = (Object.keys(collections) as TopCollection[]).find((k) => collections[k] === top);
    const rule = key ? userData[key] : undefined;
    if (rule?.kind === 'byId') {
      const own = `${top}/${(rule.id ?? ((u: string) => u))('UID')}`;
      if (p !== own) out.push(`${name} -> ${p} (rule byId: ${own})`);
      continue;
    }
    if (rule && ['byField', 'kept'].includes(rule.kind)) continue;
    out.push(`${name} -> ${p} (${rule ? `rule ${rule.kind}` : 'no rule'})`);
  }
  return out;
}
