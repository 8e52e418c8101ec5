/**
 * Account tombstones: `deletedAccounts/{uid}`, written FIRST when an account is erased
 * (pipeline/account-deletion.ts) and never removed. Every pipeline write that could create a document of
 * the user reads it inside the same transaction (the stage and upload claims, the series, minute-series and
 * activity writers, the analysis), so an import or a stage that was already running when the user asked
 * for deletion cannot write their data back after it is gone: Firestore serialises the transaction with
 * the tombstone's write, and once it exists the transaction throws AccountDeletedError. The trigger
 * factory and the stage error paths treat that error as "nothing to do" (no retry, no dead letter, which
 * would itself store the uid again).
 */
import { FieldValue, type Firestore, type Transaction } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { paths } from './paths.ts';

export class AccountDeletedError extends ClarityError {
  constructor() {
    super('not_found', 'the account was deleted', { retryable: false });
    this.name = 'AccountDeletedError';
  }
}

export function isAccountDeleted(e: unknown): e is AccountDeletedError {
  return e instanceof AccountDeletedError;
}

export const accountDeletedReason = 'account deleted';

/** Marks the account deleted (before any of its data is removed). Idempotent. */
export async function markAccountDeleted(db: Firestore, uid: string): Promise<void> {
  await db.doc(paths.deletedAccount(uid)).set({ uid, deletedAt: FieldValue.serverTimestamp() });
}

/** Inside a transaction, before its reads of the user's documents: throws once the account is deleted. */
export async function assertAccountLive(db: Firestore, tx: Transaction, uid: string): Promise<void> {
  if ((await tx.get(db.doc(paths.deletedAccount(uid)))).exists) throw new AccountDeletedError();
}
