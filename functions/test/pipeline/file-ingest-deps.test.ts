/**
 * The Storage trigger's file ingest gets its settings from the params (issue 15): IMPORT_LIMITS overrides the
 * importers' named limits (the same NAME=VALUE syntax as `clarity import --limit`), and with a continuation
 * queue INGEST_TIME_BUDGET_SECONDS becomes the import's time budget. Built by the one deps module.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { defaultImportLimits } from '@clarity/core';
import { stageDeps } from '../../src/pipeline/deps.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { testStageSettings } from '../support/stage-settings.ts';

// No Firestore or Storage is touched: the deps are only built.
const base = {
  db: {} as Firestore,
  blobs: () => ({}) as BlobStore,
  log: createLogger({ test: 'deps' }),
  now: Date.now,
};

describe('file ingest settings', () => {
  it('IMPORT_LIMITS overrides the named limits; empty keeps the defaults', () => {
    expect(stageDeps(base, testStageSettings({})).fileIngest().limits).toEqual(defaultImportLimits);
    const raised = stageDeps(
      base,
      testStageSettings({ importLimits: 'maxDistinctTypes=5000,maxDepth=64' }),
    ).fileIngest();
    expect(raised.limits).toEqual({ ...defaultImportLimits, maxDistinctTypes: 5000, maxDepth: 64 });
    expect(() => stageDeps(base, testStageSettings({ importLimits: 'nope=1' })).fileIngest()).toThrow(
      /unknown import limit nope/,
    );
  });

  it('the time budget applies only with a continuation queue', () => {
    expect(stageDeps(base, testStageSettings({})).fileIngest().timeBudgetMs).toBeUndefined();
    const deps = stageDeps(
      { ...base, continueIngest: () => Promise.resolve() },
      testStageSettings({ ingestTimeBudgetSeconds: 3 }),
    ).fileIngest();
    expect(deps.timeBudgetMs).toBe(3000);
    expect(deps.continueIngest).toBeTypeOf('function');
  });
});
