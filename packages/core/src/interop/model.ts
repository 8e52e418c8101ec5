/**
 * What the FHIR and Open mHealth exports are made from: the same canonical samples every upload stores
 * (with their sample ids), plus, where the caller has them, the uploads they came in, analysis results,
 * workouts and insights. `clarity export` builds this from a file; the API from a user's stored documents.
 */
import { createHash } from 'node:crypto';
import { isAsleep, type SleepStage } from '../contracts/health-types.ts';
import type { CanonicalSample } from '../contracts/healthkit-upload.ts';
import type { Provenance } from '../contracts/provenance.ts';
import type { AnalysisKey } from './codes.ts';

export interface ExportSample extends CanonicalSample {
  /** The stored sample id (sampleId). */
  id: string;
  /** Upload that stored it, when known (one Provenance per upload). */
  uploadId?: string;
}

export interface ExportUpload {
  id: string;
  /** e.g. healthkit, apple_health_export, actigraphy, fitbit. */
  source: string;
  format: string;
  /** When it was received (epoch ms). */
  receivedMs: number;
  /** File name, for an offline export. */
  name?: string;
}

export interface ExportAnalysisResult {
  /** Unique within the export (becomes part of the Observation id). */
  id: string;
  key: AnalysisKey;
  value: number;
  /** The period the result describes; absent when the data had no time stamps (NN-interval files). */
  startMs?: number;
  endMs?: number;
  offsetMinutes?: number;
  provenance: Provenance;
  /** Upload whose data it was computed from (Provenance target), when there is one. */
  uploadId?: string;
  /** Ids of source Observations (derivedFrom), where practical. */
  derivedFrom?: string[];
}

export interface ExportWorkout {
  id: string;
  activityType: string;
  startMs: number;
  endMs: number;
  offsetMinutes: number;
  distanceM: number | null;
  energyKcal: number | null;
  source: string;
  uploadId?: string;
}

export interface ExportInsight {
  id: string;
  createdMs: number;
  narrative: string;
  keyInsights: { title: string; detail: string }[];
  recommendations: string[];
  disclaimer: string;
  locale: string;
}

export interface ExportInput {
  /** The person: a uid (API) or a study subject id (offline export). */
  subject: { id: string; system: 'uid' | 'subject' };
  /** IANA zone days are cut in (daily summaries, minute series). */
  timezone: string;
  samples: readonly ExportSample[];
  uploads?: readonly ExportUpload[];
  analyses?: readonly ExportAnalysisResult[];
  workouts?: readonly ExportWorkout[];
  insights?: readonly ExportInsight[];
  /** "Now" of the export (Bundle.timestamp, Provenance.recorded when no upload time is known). */
  generatedMs: number;
}

const idRe = /^[A-Za-z0-9\-.]{1,64}$/;

/** A FHIR id (letters, digits, '-' and '.', at most 64) for any string: itself when valid, else a hash. */
export function fhirId(s: string): string {
  return idRe.test(s) ? s : `h-${hash(s, 32)}`;
}

export function hash(s: string, n = 16): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

/** An instant with the sample's own UTC offset: 2026-11-20T07:01:00-05:00 (seconds kept, ms when present). */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString();
  const body = local.endsWith('.000Z') ? local.slice(0, 19) : local.slice(0, 23);
  if (offsetMinutes === 0) return `${body}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const a = Math.abs(offsetMinutes);
  return `${body}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** A decimal as FHIR and JSON carry it: finite, no exponent, at most 6 fraction digits. */
export function decimal(v: number): number {
  return Number(v.toFixed(6));
}

export interface SleepEpisode {
  source: string;
  startMs: number;
  endMs: number;
  offsetMinutes: number;
  /** Minutes per stage on the minute grid (overlapping samples count once; the more specific stage wins). */
  perStage: Map<SleepStage, number>;
  /** Minutes in an asleep stage. */
  asleep: number;
}

const MIN = 60_000;
const stageOrder: SleepStage[] = [
  'inBed',
  'awake',
  'asleepUnspecified',
  'asleepCore',
  'asleepREM',
  'asleepDeep',
];

function episodeOf(source: string, ep: ExportSample[]): SleepEpisode {
  const startMs = Math.min(...ep.map((s) => s.startMs));
  const endMs = Math.max(...ep.map((s) => s.endMs));
  const minute = new Array<SleepStage | undefined>(Math.ceil((endMs - startMs) / MIN));
  const ordered = [...ep].sort(
    (a, b) => stageOrder.indexOf(a.stage as SleepStage) - stageOrder.indexOf(b.stage as SleepStage),
  );
  for (const s of ordered)
    for (let i = Math.floor((s.startMs - startMs) / MIN); i < Math.ceil((s.endMs - startMs) / MIN); i++)
      minute[i] = s.stage as SleepStage;
  const perStage = new Map<SleepStage, number>();
  for (const m of minute) if (m) perStage.set(m, (perStage.get(m) ?? 0) + 1);
  const asleep = [...perStage].reduce((a, [st, v]) => a + (isAsleep(st) ? v : 0), 0);
  return { source, startMs, endMs, offsetMinutes: (ep[0] as ExportSample).offsetMinutes, perStage, asleep };
}

/** Sleep episodes: per source, the sleep-stage samples less than an hour apart. */
export function sleepEpisodes(samples: readonly ExportSample[]): SleepEpisode[] {
  const bySource = new Map<string, ExportSample[]>();
  for (const s of samples) {
    if (s.stage === null) continue;
    const l = bySource.get(s.source);
    if (l) l.push(s);
    else bySource.set(s.source, [s]);
  }
  const out: SleepEpisode[] = [];
  for (const [source, list] of bySource) {
    list.sort((a, b) => a.startMs - b.startMs);
    let ep: ExportSample[] = [];
    let end = -Infinity;
    for (const s of list) {
      if (s.startMs > end + 3_600_000 && ep.length > 0) {
        out.push(episodeOf(source, ep));
        ep = [];
      }
      ep.push(s);
      end = Math.max(end, s.endMs);
    }
    if (ep.length > 0) out.push(episodeOf(source, ep));
  }
  return out;
}
