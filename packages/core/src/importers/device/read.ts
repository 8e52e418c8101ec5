/**
 * Reads a device file (already classified by classifyUpload) into the epoch streams an upload stores: each
 * stream names the canonical metric it feeds, the key its counts are reported under, its source name and how
 * its timestamps relate to the user's clock. Used by `clarity import` and by the Storage trigger.
 *
 * | file                       | stream key                   | metric          | source             | clock  |
 * |----------------------------|------------------------------|-----------------|--------------------|--------|
 * | Actiwatch .AWD             | `awd.activity_counts`        | activity_counts | `Actiwatch SERIAL` | device |
 * | ActiGraph .agd (SQLite)    | `agd.axis1`                  | activity_counts | `ActiGraph ...`    | device |
 * | ActiLife / tidy count .csv | `actilife_csv.axis1`         | activity_counts | `ActiGraph ...`    | device |
 * | Fitbit minuteStepsWide.csv | `fitbit_minute_steps.steps`  | steps           | `fitbit`           | wall   |
 *
 * Clock: an actigraph's clock is set once when it is initialised and then runs on, ignoring DST, so its
 * epochs are consecutive instants from the start ('device'); Fitbit writes each hour in the wall-clock time
 * of the phone it synced with, so each epoch's local time is placed in the zone on its own ('wall').
 */
import { createReadStream } from 'node:fs';
import { ClarityError } from '../../errors.ts';
import type { EpochSeries } from '../../contracts/epoch-series.ts';
import type { MetricId, QuantityTypeId } from '../../contracts/health-types.ts';
import type { ActiGraphAxis } from '../../readers/actilife-csv.ts';
import { readEpochFile, type EpochFormat } from '../../readers/load.ts';
import { readFitbitMinuteStepsWide } from '../../readers/fitbit.ts';
import type { DeviceFileLimits } from '../limits.ts';
import type { UploadKind } from './classify.ts';

export type DeviceClock = 'device' | 'wall';

export interface DeviceStream {
  /** Key of the stream's counts in an upload's byType, e.g. `awd.activity_counts`. */
  key: string;
  metric: Extract<MetricId, 'activity_counts' | 'steps'>;
  /** Sample type the minutes are stored as (part of each sample's id). */
  type: Extract<QuantityTypeId, 'ClarityActivityCount' | 'HKQuantityTypeIdentifierStepCount'>;
  series: EpochSeries;
  /** Source name of the stored samples. */
  source: string;
  clock: DeviceClock;
}

export interface DeviceUpload {
  /** The file's format, as the upload document's `format` field names it. */
  format: 'awd' | 'agd' | 'csv';
  /** The upload document's `source` field. */
  source: 'actigraphy' | 'fitbit';
  /** Reader that read it (e.g. `fitbit_minute_steps_wide`). */
  reader: string;
  streams: DeviceStream[];
  /** Fitbit: the participant imported, and how many the file holds. */
  subject?: { id: string; of: number };
}

/** Device kinds whose data an upload stores (the rest are reported by the CLI only). */
export const storableDeviceKinds = ['awd', 'agd', 'actilife-csv', 'fitbit-minute'] as const;
export type StorableDeviceKind = (typeof storableDeviceKinds)[number];

export function isStorableDeviceKind(kind: UploadKind | undefined): kind is StorableDeviceKind {
  return (storableDeviceKinds as readonly string[]).includes(kind ?? '');
}

export interface DeviceReadOptions {
  /** ActiGraph axis (default axis1, the axis ActiLife's sleep scorers use). */
  axis?: ActiGraphAxis;
  /**
   * Fitbit: the participant (Fitabase `Id`) to import. Required when the file holds several participants:
   * one account's upload never mixes people.
   */
  subject?: string;
  /**
   * Span, epoch and line limits of the readers (default defaultImportLimits): `clarity import --limit` and
   * the Storage trigger's IMPORT_LIMITS, so an operator raises or lowers them in one place for both.
   */
  limits?: DeviceFileLimits;
}

/** How an upload names each actigraphy format: its `format` field, stream key and fallback source name. */
const actigraphy: Record<
  EpochFormat,
  { format: DeviceUpload['format']; key: (axis: ActiGraphAxis) => string; device: string }
> = {
  awd: { format: 'awd', key: () => 'awd.activity_counts', device: 'Actiwatch' },
  agd: { format: 'agd', key: (axis) => `agd.${axis}`, device: 'ActiGraph' },
  'actilife-csv': { format: 'csv', key: (axis) => `actilife_csv.${axis}`, device: 'ActiGraph' },
};

async function readActigraphyUpload(
  file: string,
  kind: EpochFormat,
  axis: ActiGraphAxis,
  limits: DeviceFileLimits | undefined,
): Promise<DeviceUpload> {
  const r = await readEpochFile(file, kind, { axis, ...(limits ? { limits } : {}) });
  const names = actigraphy[kind];
  // A file that names its device (ActiLife .csv) is the source of its samples under that name.
  const series =
    r.device || r.serial
      ? {
          ...r.series,
          source: {
            ...r.series.source,
            device: [r.device ?? names.device, r.serial].filter(Boolean).join(' '),
          },
        }
      : r.series;
  return {
    format: names.format,
    source: 'actigraphy',
    reader: r.reader,
    streams: [
      {
        key: names.key(axis),
        metric: 'activity_counts',
        type: 'ClarityActivityCount',
        series,
        source: series.source.device ?? names.device,
        clock: 'device',
      },
    ],
  };
}

/** Fitbit minute steps: one participant's steps, placed by wall clock. */
async function readFitbitUpload(
  file: string,
  subject: string | undefined,
  limits: DeviceFileLimits | undefined,
): Promise<DeviceUpload> {
  const r = await readFitbitMinuteStepsWide(createReadStream(file), limits);
  const ids = r.users.map((u) => u.id);
  let user = r.users[0];
  if (subject !== undefined) {
    user = r.users.find((u) => u.id === subject);
    if (!user)
      throw new ClarityError('invalid_input', `subject ${subject} is not in the file's Id column`, {
        details: [{ path: ['subject'], message: 'not in the Id column' }],
      });
  } else if (r.users.length > 1) {
    throw new ClarityError(
      'invalid_input',
      `the file holds ${r.users.length} Fitbit participants (Id column); name the one to import (upload metadata "subject")`,
      { details: [{ path: ['subject'], message: `required: the file holds ${ids.length} Ids` }] },
    );
  }
  if (!user) throw new ClarityError('parse_error', 'line 2: no data rows after the header');
  return {
    format: 'csv',
    source: 'fitbit',
    reader: 'fitbit_minute_steps_wide',
    subject: { id: user.id, of: r.users.length },
    streams: [
      {
        key: 'fitbit_minute_steps.steps',
        metric: 'steps',
        type: 'HKQuantityTypeIdentifierStepCount',
        series: user.series,
        source: 'fitbit',
        clock: 'wall',
      },
    ],
  };
}

/** Reads a file of a storable kind. Reader errors (ClarityError parse_error naming the line) pass through. */
export async function readDeviceUpload(
  file: string,
  kind: StorableDeviceKind,
  options: DeviceReadOptions = {},
): Promise<DeviceUpload> {
  return kind === 'fitbit-minute'
    ? readFitbitUpload(file, options.subject, options.limits)
    : readActigraphyUpload(file, kind, options.axis ?? 'axis1', options.limits);
}
