/**
 * An export input from one local file (what `clarity export` converts): every format the importers read,
 * through the same readers and the same conversion to canonical samples as an upload of the file.
 *
 * - Apple Health export.xml / export.zip: the importer's accepted samples (with their sample ids) and workouts.
 * - Actiwatch .AWD, ActiGraph .agd, ActiLife .csv: one-minute activity counts in the zone; analysis results
 *   from the pipeline's scorers (Actiwatch: Oakley, threshold 40; ActiGraph: Cole-Kripke) with Tudor-Locke
 *   periods (TST, efficiency, WASO, latency, awakenings) and IS / IV / RA.
 * - Fitbit minuteStepsWide (one-minute steps), hourlySteps and dailySteps (hour and day totals): one
 *   participant, `subject`.
 * - NN-interval text: SDNN and RMSSD (no time stamps in the file, so no effective time).
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ClarityError, isClarityError } from '../errors.ts';
import type { EpochSeries } from '../contracts/epoch-series.ts';
import { sampleId, type CanonicalSample } from '../contracts/healthkit-upload.ts';
import { zoneOffsetMinutes } from '../contracts/time.ts';
import { circadianMetrics } from '../analytics/circadian/index.ts';
import { hrvTimeDomain } from '../analytics/hrv/index.ts';
import { toMinuteEpochs } from '../analytics/preprocess/resample.ts';
import { tudorLocke } from '../analytics/sleep/periods.ts';
import { scoreSleep } from '../analytics/sleep/scoring.ts';
import { importAppleHealthFile } from './apple-health/importer.ts';
import { classifyHeadBytes, classifyUpload } from './device/classify.ts';
import { epochsToMinutes, minuteSamples } from './device/epoch-minutes.ts';
import { isStorableDeviceKind, readDeviceUpload, type DeviceStream } from './device/read.ts';
import { readFitbitDailySteps, readFitbitHourlySteps } from '../readers/fitbit.ts';
import { localIsoToMs } from '../readers/local-time.ts';
import { parseNnIntervals } from '../readers/nn-intervals.ts';
import { minuteSeriesObservationId } from '../interop/fhir.ts';
import {
  hash,
  type ExportAnalysisResult,
  type ExportInput,
  type ExportSample,
  type ExportWorkout,
} from '../interop/model.ts';

const MIN = 60_000;

export interface FileExportOptions {
  /** Study subject: the Fitbit participant Id, and the Patient id (default "local"). */
  subject?: string;
  /** IANA zone device clocks and days are placed in (default UTC). */
  timezone?: string;
  nowMs?: number;
}

/** The instant of a local wall-clock time in a zone (a skipped time moves forward). */
function localToInstant(iso: string, tz: string): number {
  const naive = localIsoToMs(iso);
  const t = naive - zoneOffsetMinutes(naive, tz) * MIN;
  return naive - zoneOffsetMinutes(t, tz) * MIN;
}

const withId = (uid: string, uploadId: string, s: CanonicalSample): ExportSample => ({
  ...s,
  id: sampleId(uid, s),
  uploadId,
});

/** Sleep periods and rhythm of one activity-count stream, as analysis results. */
function countAnalyses(st: DeviceStream, tz: string, uploadId: string): ExportAnalysisResult[] {
  const out: ExportAnalysisResult[] = [];
  let series: EpochSeries;
  try {
    series = toMinuteEpochs(st.series, 'sleep scoring');
  } catch (e) {
    if (isClarityError(e)) return out;
    throw e;
  }
  const actiwatch = /actiwatch/i.test(st.source);
  const scoring = scoreSleep(
    series,
    actiwatch ? { algorithm: 'oakley', threshold: 40 } : { algorithm: 'cole-kripke' },
  );
  const periods = tudorLocke(scoring);
  const dayIds = (startMs: number, endMs: number): string[] => {
    const ids = new Set<string>();
    for (let t = startMs; t < endMs; t += MIN * 60) {
      const off = zoneOffsetMinutes(t, tz);
      ids.add(
        minuteSeriesObservationId(
          'activity_counts',
          st.source,
          new Date(t + off * MIN).toISOString().slice(0, 10),
        ),
      );
    }
    return [...ids];
  };
  periods.periods.forEach((p, k) => {
    const startMs = localToInstant(p.inBed, tz);
    const endMs = localToInstant(p.outBed, tz);
    const provenance = {
      ...periods.provenance,
      parameters: { ...periods.provenance.parameters, scoring: scoring.provenance },
    };
    const base = {
      startMs,
      endMs,
      offsetMinutes: zoneOffsetMinutes(startMs, tz),
      provenance,
      uploadId,
      derivedFrom: dayIds(startMs, endMs),
    };
    const values: [ExportAnalysisResult['key'], number][] = [
      ['total_sleep_time', p.totalSleepMinutes],
      ['sleep_efficiency', p.efficiency],
      ['waso', p.wasoMinutes],
      ['sleep_onset_latency', p.latencyMinutes],
      ['awakenings', p.awakenings],
    ];
    for (const [key, value] of values)
      if (Number.isFinite(value))
        out.push({ ...base, id: `${hash(st.source, 8)}-p${k}-${key.replaceAll('_', '-')}`, key, value });
  });
  try {
    const c = circadianMetrics(series);
    const startMs = localToInstant(series.start, tz);
    const endMs = startMs + series.values.length * MIN;
    const base = {
      startMs,
      endMs,
      offsetMinutes: zoneOffsetMinutes(startMs, tz),
      provenance: c.provenance,
      uploadId,
    };
    const values: [ExportAnalysisResult['key'], number][] = [
      ['interdaily_stability', c.IS],
      ['intradaily_variability', c.IV],
      ['relative_amplitude', c.RA],
    ];
    for (const [key, value] of values)
      if (Number.isFinite(value))
        out.push({ ...base, id: `${hash(st.source, 8)}-${key.replaceAll('_', '-')}`, key, value });
  } catch (e) {
    // A recording too short for the rhythm measures has no IS/IV/RA; anything else is a bug.
    if (!isClarityError(e)) throw e;
  }
  return out;
}

async function kindOf(file: string): Promise<ReturnType<typeof classifyUpload>> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) throw new ClarityError('invalid_input', `${path.basename(file)}: the file is empty`);
    const head = Buffer.alloc(Math.min(size, classifyHeadBytes));
    await fh.read(head, 0, head.length, 0);
    return classifyUpload(file, head);
  } finally {
    await fh.close();
  }
}

export async function exportInputFromFile(
  file: string,
  options: FileExportOptions = {},
): Promise<ExportInput> {
  const tz = options.timezone ?? 'UTC';
  const uid = options.subject ?? 'local';
  const name = path.basename(file);
  const info = await stat(file).catch(() => {
    throw new ClarityError('invalid_argument', `${name}: no such file`);
  });
  const kind = await kindOf(file);
  const upload = {
    id: `file-${hash(`${name}\u0000${info.size}`)}`,
    receivedMs: Math.round(info.mtimeMs),
    name,
  };
  const base = {
    subject: { id: uid, system: 'subject' as const },
    timezone: tz,
    generatedMs: options.nowMs ?? Date.now(),
  };
  if (kind === 'apple-xml' || kind === 'apple-zip') {
    const samples: ExportSample[] = [];
    const workouts: ExportWorkout[] = [];
    const summary = await importAppleHealthFile(file, {
      uid,
      ...(options.timezone ? { timezone: options.timezone } : {}),
      ...(options.nowMs !== undefined ? { nowMs: options.nowMs } : {}),
      onBatch: (b) => {
        for (const s of b.samples) samples.push({ ...s, uploadId: upload.id });
        for (const w of b.workouts) workouts.push({ ...w, uploadId: upload.id });
      },
    });
    if (summary.status === 'rejected')
      throw new ClarityError(
        'parse_error',
        `${name}: ${summary.error?.message ?? 'not an Apple Health export'}`,
      );
    return {
      ...base,
      samples,
      workouts,
      uploads: [{ ...upload, source: 'apple_health_export', format: kind === 'apple-zip' ? 'zip' : 'xml' }],
    };
  }
  if (isStorableDeviceKind(kind)) {
    const dev = await readDeviceUpload(
      file,
      kind,
      options.subject !== undefined ? { subject: options.subject } : {},
    );
    const samples: ExportSample[] = [];
    const analyses: ExportAnalysisResult[] = [];
    for (const st of dev.streams) {
      const conv = epochsToMinutes(st.series, { timezone: tz, clock: st.clock });
      for (const s of minuteSamples(conv, { type: st.type, source: st.source }, tz))
        samples.push(withId(uid, upload.id, s));
      if (st.metric === 'activity_counts') analyses.push(...countAnalyses(st, tz, upload.id));
    }
    return { ...base, samples, analyses, uploads: [{ ...upload, source: dev.source, format: dev.format }] };
  }
  if (kind === 'fitbit-hourly' || kind === 'fitbit-daily') {
    const hourly = kind === 'fitbit-hourly';
    const rows = await (hourly ? readFitbitHourlySteps : readFitbitDailySteps)(createReadStream(file));
    const ids = [...new Set(rows.map((r) => r.id))];
    const subject = options.subject ?? (ids.length === 1 ? ids[0] : undefined);
    if (subject === undefined)
      throw new ClarityError(
        'invalid_argument',
        `the file holds ${ids.length} Fitbit participants (Id column); name one with --subject`,
      );
    if (!ids.includes(subject))
      throw new ClarityError('invalid_argument', `subject ${subject} is not in the file's Id column`);
    const samples = rows
      .filter((r) => r.id === subject)
      .map((r) => {
        const local = hourly ? r.time : `${r.time}T00:00:00`;
        const startMs = localToInstant(local, tz);
        const endMs = hourly
          ? startMs + 60 * MIN
          : localToInstant(
              `${new Date(Date.parse(`${r.time}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)}T00:00:00`,
              tz,
            );
        const s: CanonicalSample = {
          type: 'HKQuantityTypeIdentifierStepCount',
          metric: 'steps',
          startMs,
          endMs,
          offsetMinutes: zoneOffsetMinutes(startMs, tz),
          value: r.steps,
          unit: 'count',
          stage: null,
          source: 'fitbit',
          device: null,
        };
        return withId(uid, upload.id, s);
      });
    return { ...base, samples, uploads: [{ ...upload, source: 'fitbit', format: 'csv' }] };
  }
  if (kind === 'nn-intervals') {
    const nn = parseNnIntervals(await readFile(file, 'utf8'));
    const h = hrvTimeDomain(nn);
    const analyses: ExportAnalysisResult[] = [
      {
        id: `${hash(name, 8)}-sdnn`,
        key: 'sdnn',
        value: h.sdnn,
        provenance: h.provenance,
        uploadId: upload.id,
      },
      {
        id: `${hash(name, 8)}-rmssd`,
        key: 'rmssd',
        value: h.rmssd,
        provenance: h.provenance,
        uploadId: upload.id,
      },
    ];
    return {
      ...base,
      samples: [],
      analyses,
      uploads: [{ ...upload, source: 'nn_intervals', format: 'txt' }],
    };
  }
  throw new ClarityError(
    'unsupported_media_type',
    `${name}: unsupported format (expected Apple Health export.xml/export.zip, .AWD, .agd, ActiLife .csv, NN intervals or a Fitbit steps CSV)`,
  );
}
