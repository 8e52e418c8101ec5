/**
 * Every Firestore path of the backend, in one place: collection names, document paths, the document
 * patterns the triggers listen on, the Storage prefixes of a user's objects, and what GDPR export and
 * erasure do with each top-level collection (store/account-data.ts derives its lists from `userData`).
 * The data model itself is described in docs/architecture.md "Data model (Firestore)".
 * Nothing else in functions/src spells a path: functions/test/store/paths.test.ts fails if one does.
 */

/** Top-level collections. */
export const collections = {
  users: 'users',
  audit: 'audit',
  deadLetters: 'deadLetters',
  signingKeys: 'signingKeys',
  signatureNonces: 'signatureNonces',
  rateLimits: 'rateLimits',
  llmCache: 'llmCache',
  system: 'system',
  webhookSecrets: 'webhookSecrets',
  mail: 'mail',
  experiments: 'experiments',
  deletedAccounts: 'deletedAccounts',
} as const;
export type TopCollection = keyof typeof collections;

/** Subcollections of users/{uid}. */
export const userCollections = {
  uploads: 'uploads',
  series: 'series',
  jobs: 'jobs',
  analyses: 'analyses',
  insights: 'insights',
  workouts: 'workouts',
  activitySummaries: 'activitySummaries',
  devices: 'devices',
  webhooks: 'webhooks',
  feedback: 'feedback',
  usage: 'usage',
  notificationPrefs: 'notificationPrefs',
  webhookMessages: 'webhookMessages',
} as const;

/** Subcollections of experiments/{name}: per-variant counter shards. */
export const experimentCollections = { counters: 'counters' } as const;

/** Subcollections of users/{uid}/series/{metric}_{date}: the rest of a dense day's samples. */
export const seriesCollections = { shards: 'shards' } as const;

/** Subcollections of users/{uid}/webhooks/{id}. */
export const webhookCollections = { attempts: 'attempts', deliveries: 'deliveries' } as const;

/**
 * The subcollections below the documents of each subcollection of users/{uid}: the whole user tree, which
 * the GDPR export pages through collection by collection (store/account-export.ts). A new user
 * subcollection does not compile until it says what lies below its documents. A series day's `shards` are
 * folded into their day (the export shows one logical day), the others are exported as documents.
 */
export const userSubcollections: Record<keyof typeof userCollections, readonly string[]> = {
  uploads: [],
  series: [seriesCollections.shards],
  jobs: [],
  analyses: [],
  insights: [],
  workouts: [],
  activitySummaries: [],
  devices: [],
  webhooks: Object.values(webhookCollections),
  feedback: [],
  usage: [],
  notificationPrefs: [],
  webhookMessages: [],
};

/**
 * What GDPR export (Art. 15/20) and erasure (Art. 17) do with each top-level collection. A new collection
 * does not compile until it says:
 *  - `tree`: users/{uid} and everything below it, walked recursively (no subcollection is listed by name);
 *  - `byId`: the document whose id is the uid, or `id(uid)` when the id is derived from it;
 *  - `byField`: the documents whose `field` equals the uid;
 *  - `notExported` (byId, byField): erased but left out of the export, and why (credentials, not data);
 *  - `kept` / `none`: not exported or erased, and why.
 */
export type UserDataRule =
  | { kind: 'tree' }
  | { kind: 'byId'; id?: (uid: string) => string; notExported?: string }
  | { kind: 'byField'; field: string; notExported?: string }
  | { kind: 'kept' | 'none'; why: string };

/** Document id of a signed-in user's rate-limit counter (rateLimits/u_{uid}; api/rate-limit.ts). */
export const rateLimitUserKey = (uid: string): string => `u_${uid}`;

export const userData: Record<TopCollection, UserDataRule> = {
  users: { kind: 'tree' },
  audit: {
    kind: 'kept',
    why: 'identifiers only; the record of who accessed and deleted what (Art. 17(3)(b)), about the accessors',
  },
  deadLetters: { kind: 'byField', field: 'uid' },
  signingKeys: {
    kind: 'byId',
    notExported:
      'the request-signing key: a credential derived from a server secret, not data about the user',
  },
  signatureNonces: { kind: 'byField', field: 'uid' },
  // The signed-in user's counter (its GCRA time and expiry: when the user last called the API) is theirs.
  // The other documents name no user: anonymous callers are keyed by a hash of the address, and the pool
  // shards (pool_{class}_{i}) count all callers together.
  rateLimits: { kind: 'byId', id: rateLimitUserKey },
  // Insight answers derived from the user's data, stamped with the uid of the user they were made for.
  llmCache: { kind: 'byField', field: 'uid' },
  system: {
    kind: 'none',
    why: 'the health-check document, the emulator-only delivery sinks and the project-wide daily LLM usage, no uid',
  },
  webhookSecrets: {
    kind: 'byField',
    field: 'uid',
    notExported: 'endpoint signing secrets: credentials, shown once when created',
  },
  mail: { kind: 'byField', field: 'uid' },
  experiments: { kind: 'none', why: 'per-variant counts of all users together, no uid' },
  deletedAccounts: {
    kind: 'kept',
    why: 'the erasure tombstone (uid and time only), so running imports and stages cannot write data back',
  },
};

const u = (uid: string) => `${collections.users}/${uid}`;

/** Firestore document and collection paths. */
export const paths = {
  /** The users collection (GET /v1/care-team/patients queries it by careTeam). */
  users: () => collections.users,
  user: u,
  uploads: (uid: string) => `${u(uid)}/${userCollections.uploads}`,
  upload: (uid: string, uploadId: string) => `${u(uid)}/${userCollections.uploads}/${uploadId}`,
  series: (uid: string) => `${u(uid)}/${userCollections.series}`,
  seriesDoc: (uid: string, metric: string, date: string) =>
    `${u(uid)}/${userCollections.series}/${metric}_${date}`,
  /** Shard k (1, 2, ...) of a dense day: more of its samples (store/series-days.ts). */
  seriesShard: (uid: string, metric: string, date: string, k: number) =>
    `${u(uid)}/${userCollections.series}/${metric}_${date}/${seriesCollections.shards}/${k}`,
  jobs: (uid: string) => `${u(uid)}/${userCollections.jobs}`,
  job: (uid: string, jobId: string) => `${u(uid)}/${userCollections.jobs}/${jobId}`,
  analyses: (uid: string) => `${u(uid)}/${userCollections.analyses}`,
  analysis: (uid: string, id: string) => `${u(uid)}/${userCollections.analyses}/${id}`,
  insights: (uid: string) => `${u(uid)}/${userCollections.insights}`,
  insight: (uid: string, id: string) => `${u(uid)}/${userCollections.insights}/${id}`,
  workouts: (uid: string) => `${u(uid)}/${userCollections.workouts}`,
  workout: (uid: string, id: string) => `${u(uid)}/${userCollections.workouts}/${id}`,
  activitySummaries: (uid: string) => `${u(uid)}/${userCollections.activitySummaries}`,
  activitySummary: (uid: string, date: string) => `${u(uid)}/${userCollections.activitySummaries}/${date}`,
  devices: (uid: string) => `${u(uid)}/${userCollections.devices}`,
  device: (uid: string, token: string) => `${u(uid)}/${userCollections.devices}/${token}`,
  notificationPrefs: (uid: string) => `${u(uid)}/${userCollections.notificationPrefs}/current`,
  webhooks: (uid: string) => `${u(uid)}/${userCollections.webhooks}`,
  webhook: (uid: string, id: string) => `${u(uid)}/${userCollections.webhooks}/${id}`,
  /** Every HTTP attempt of one endpoint, one document each (`{messageId}-r{round}-a{attempt}`). */
  webhookAttempts: (uid: string, id: string) =>
    `${u(uid)}/${userCollections.webhooks}/${id}/${webhookCollections.attempts}`,
  webhookAttempt: (uid: string, id: string, attemptId: string) =>
    `${u(uid)}/${userCollections.webhooks}/${id}/${webhookCollections.attempts}/${attemptId}`,
  /** Delivery state of one message to one endpoint (pending, delivered, failed, dead, skipped). */
  webhookDeliveries: (uid: string, id: string) =>
    `${u(uid)}/${userCollections.webhooks}/${id}/${webhookCollections.deliveries}`,
  webhookDelivery: (uid: string, id: string, messageId: string) =>
    `${u(uid)}/${userCollections.webhooks}/${id}/${webhookCollections.deliveries}/${messageId}`,
  /** The exact body of each event message, kept so retries and replays send the same bytes. */
  webhookMessages: (uid: string) => `${u(uid)}/${userCollections.webhookMessages}`,
  webhookMessage: (uid: string, messageId: string) =>
    `${u(uid)}/${userCollections.webhookMessages}/${messageId}`,
  /** Endpoint signing secrets: server-only, top level, never under users/ where clients read. */
  webhookSecret: (uid: string, id: string) => `${collections.webhookSecrets}/${uid}_${id}`,
  feedback: (uid: string) => `${u(uid)}/${userCollections.feedback}`,
  /** The user's engagement with one insight (opened, helpful, reason): one document per insight. */
  insightFeedback: (uid: string, insightId: string) => `${u(uid)}/${userCollections.feedback}/${insightId}`,
  mail: (id: string) => `${collections.mail}/${id}`,
  experiment: (name: string) => `${collections.experiments}/${name}`,
  /** Counter shards of an experiment, `{variant}_{shard}` (exposures, opens, feedback, helpful). */
  experimentCounters: (name: string) =>
    `${collections.experiments}/${name}/${experimentCollections.counters}`,
  experimentCounter: (name: string, variant: string, shard: number) =>
    `${collections.experiments}/${name}/${experimentCollections.counters}/${variant}_${shard}`,
  llmUsage: (uid: string, day: string) => `${u(uid)}/${userCollections.usage}/llm_${day}`,
  /** The project's LLM tokens of one UTC day (all users together). */
  llmProjectUsage: (day: string) => `${collections.system}/llmUsage_${day}`,
  llmCache: (hash: string) => `${collections.llmCache}/${hash}`,
  deadLetters: () => collections.deadLetters,
  deadLetter: (id: string) => `${collections.deadLetters}/${id}`,
  audit: () => collections.audit,
  /** Written first when an account is erased (store/tombstones.ts). */
  deletedAccount: (uid: string) => `${collections.deletedAccounts}/${uid}`,
  signingKey: (uid: string) => `${collections.signingKeys}/${uid}`,
  signatureNonce: (uid: string, nonce: string) => `${collections.signatureNonces}/${uid}_${nonce}`,
  rateLimit: (key: string) => `${collections.rateLimits}/${key}`,
  /** The signed-in user's rate-limit counter. */
  rateLimitUser: (uid: string) => `${collections.rateLimits}/${rateLimitUserKey(uid)}`,
  systemHealth: () => `${collections.system}/health`,
  /** Emulator only: the loopback SMTP port and push sink URL a test or the demo started (emulator-sinks.ts). */
  deliverySinks: () => `${collections.system}/deliverySinks`,
  /** Raw object of an upload, kept so nothing a user sent is lost even when parsing rejects part of it. */
  rawObject: (uid: string, uploadId: string, name: string) => `raw/${uid}/${uploadId}/${name}`,
  rawPrefix: (uid: string) => `raw/${uid}/`,
  /** Where the app uploads files with the Storage SDK: uploads/{uid}/{uploadId}/{filename}. */
  uploadObjectPrefix: (uid: string) => `uploads/${uid}/`,
} as const;

/** Storage object names the upload trigger accepts: uploads/{uid}/{uploadId}/{filename}. */
export const uploadObjectPattern = /^uploads\/([^/]+)\/([^/]+)\/([^/]{1,200})$/;

/** Document patterns of the Firestore triggers. */
export const triggerDocuments = {
  upload: `${collections.users}/{uid}/${userCollections.uploads}/{uploadId}`,
  job: `${collections.users}/{uid}/${userCollections.jobs}/{jobId}`,
  analysis: `${collections.users}/{uid}/${userCollections.analyses}/{analysisId}`,
  insight: `${collections.users}/{uid}/${userCollections.insights}/{insightId}`,
} as const;

/**
 * Every collection-group query of the code (GET /v1/system/metrics counts by status). A collection-group
 * query needs an index of COLLECTION_GROUP scope, which Firestore does not create by itself and the emulator
 * does not enforce: functions/test/store/indexes.test.ts fails if one is not in firestore.indexes.json, or if
 * the code calls collectionGroup elsewhere.
 */
export const collectionGroupQueries = {
  uploadsByStatus: { group: userCollections.uploads, field: 'status' },
  jobsByStatus: { group: userCollections.jobs, field: 'status' },
  deadLettersByStatus: { group: collections.deadLetters, field: 'status' },
} as const;

/** Ids are path segments: refuse anything that could escape one. */
export function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id);
}
