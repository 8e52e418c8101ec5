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
import { readActiLifeCsvFile, type ActiGraphAxis } from '../../readers/actilife-csv.ts';
import { readAgdFile } from '../../readers/agd.ts';
import { readAwdFile } from '../../readers/awd.ts';
import { readFitbitMinuteStepsWide } from '../../readers/fitbit.ts';
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
}

function counts(key: string, series: EpochSeries, fallbackSource: string): DeviceStream {
  return {
    key,
    metric: 'activity_counts',
    type: 'ClarityActivityCount',
    series,
    source: series.source.device ?? fallbackSource,
    clock: 'device',
  };
}

/** Reads a file of a storable kind. Reader errors (ClarityError parse_error naming the line) pass through. */
export async function readDeviceUpload(
  file: string,
  kind: StorableDeviceKind,
  options: DeviceReadOptions = {},
): Promise<DeviceUpload> {
  const axis = options.axis ?? 'axis1';
  switch (kind) {
    case 'awd': {
      const r = await readAwdFile(file);
      return {
        format: 'awd',
        source: 'actigraphy',
        reader: 'actiwatch_awd',
        streams: [counts('awd.activity_counts', r.series, 'Actiwatch')],
      };
    }
    case 'agd': {
      const r = await readAgdFile(file, { axis });
      return {
        format: 'agd',
        source: 'actigraphy',
        reader: 'actigraph_agd',
        streams: [counts(`agd.${axis}`, r.series, 'ActiGraph')],
      };
    }
    case 'actilife-csv': {
      const r = await readActiLifeCsvFile(file, { axis });
      const series =
        r.device || r.serial
          ? {
              ...r.series,
              source: {
                ...r.series.source,
                device: [r.device ?? 'ActiGraph', r.serial].filter(Boolean).join(' '),
              },
            }
          : r.series;
      return {
        format: 'csv',
        source: 'actigraphy',
        reader: `actilife_csv (${r.layout})`,
        streams: [counts(`actilife_csv.${axis}`, series, 'ActiGraph')],
      };
    }
    case 'fitbit-minute': {
      const r = await readFitbitMinuteStepsWide(createReadStream(file));
      const ids = r.users.map((u) => u.id);
      let user = r.users[0];
      if (options.subject !== undefined) {
        user = r.users.find((u) => u.id === options.subject);
        if (!user)
          throw new ClarityError(
            'invalid_input',
            `subject ${options.subject} is not in the file's Id column`,
            {
              details: [{ path: ['subject'], message: 'not in the Id column' }],
            },
          );
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
  }
}
