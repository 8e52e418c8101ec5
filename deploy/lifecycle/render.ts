/** Renders deploy/lifecycle/definitions.ts into Terraform JSON and the Storage lifecycle file. */
import { terraformBlock, tfName, type Json, type Obj } from '../monitoring/render.ts';
import { auditRetentionDays, backupSchedules, storageLifecycle, ttlPolicies } from './definitions.ts';

const day = 86_400;

export function lifecycleMain(): Obj {
  return {
    terraform: terraformBlock(),
    variable: {
      project_id: { type: 'string', description: 'The Firebase project.' },
      location: {
        type: 'string',
        default: 'US',
        description:
          'Location of the audit archive bucket (match the Firestore location: US for nam5, EU for eur3).',
      },
      scheduler_service_account: {
        type: 'string',
        description:
          'Service account (roles/datastore.importExportAdmin, storage writer on the archive) for exports.',
      },
    },
    provider: { google: { project: '${var.project_id}' } },
  };
}

export function lifecycleResources(): Obj {
  const archive = '${var.project_id}-audit-archive';
  return {
    resource: {
      google_firestore_field: Object.fromEntries(
        ttlPolicies.map((t) => [
          tfName(`ttl_${t.collectionGroup}`),
          {
            database: '(default)',
            collection: t.collectionGroup,
            field: t.field,
            // TTL deletes documents within about a day of the timestamp; no single-field index on it
            // (monotonic timestamps hot-spot an index and nothing queries it).
            ttl_config: {},
            index_config: {},
          },
        ]),
      ),
      google_firestore_backup_schedule: Object.fromEntries(
        backupSchedules.map((b) => [
          b.id,
          {
            database: '(default)',
            retention: `${b.retentionDays * day}s`,
            ...('daily' in b.recurrence
              ? { daily_recurrence: {} }
              : { weekly_recurrence: { day: b.recurrence.weekday } }),
          },
        ]),
      ),
      google_storage_bucket: {
        audit_archive: {
          name: archive,
          location: '${var.location}',
          uniform_bucket_level_access: true,
          public_access_prevention: 'enforced',
          // Lock it (irreversible) once verified: deploy/README.md, "Data lifecycle".
          retention_policy: { retention_period: auditRetentionDays * day, is_locked: false },
          lifecycle_rule: [
            { action: { type: 'SetStorageClass', storage_class: 'ARCHIVE' }, condition: { age: 30 } },
            { action: { type: 'Delete' }, condition: { age: auditRetentionDays + 31 } },
          ],
        },
      },
      google_cloud_scheduler_job: {
        audit_export: {
          name: 'clarity-audit-export',
          description: 'Monthly export of the append-only audit/ collection to the locked archive bucket.',
          schedule: '0 3 1 * *',
          time_zone: 'Etc/UTC',
          http_target: {
            http_method: 'POST',
            uri: 'https://firestore.googleapis.com/v1/projects/${var.project_id}/databases/(default):exportDocuments',
            body: `\${base64encode(jsonencode({collectionIds = ["audit"], outputUriPrefix = "gs://${archive}/firestore"}))}`,
            headers: { 'Content-Type': 'application/json' },
            oauth_token: { service_account_email: '${var.scheduler_service_account}' },
          },
        },
      },
    },
  };
}

export function renderLifecycle(): Record<string, Json> {
  return {
    'lifecycle/main.tf.json': lifecycleMain(),
    'lifecycle/lifecycle.tf.json': lifecycleResources(),
    'lifecycle/storage-lifecycle.json': storageLifecycle as unknown as Obj,
  };
}
