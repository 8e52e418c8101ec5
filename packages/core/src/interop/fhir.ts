/**
 * FHIR R4 export (pure): the samples, uploads, analysis results, workouts and insights of one person as
 * resources, and a Bundle of them. Codes and units: codes.ts (README-interop.md).
 *
 * - Patient: the person (identifier: the uid, or the study subject id of an offline export).
 * - Device: one per sample source (Apple Watch, iPhone, Actiwatch, ActiGraph, Fitbit, other apps).
 * - Observation, one per stored sample (id `s-{sampleId}`), with effectiveDateTime (an instant) or
 *   effectivePeriod; quantities as valueQuantity in UCUM, sleep stages and other categories as
 *   valueCodeableConcept.
 * - Observation `m-…`, tag minute-series: one day of one source's one-minute samples of a cumulative metric
 *   (device activity counts, Fitbit minute steps) as SampledData (period 60 000 ms; "E" marks a minute
 *   without a value), instead of 1 440 Observations a day.
 * - Observation `d-…`, tag daily-summary: day totals of cumulative metrics (steps 55423-8, active energy
 *   41981-2, counts…) over the local day (effectivePeriod), after the same source priority as the stored
 *   minute series; sleep episodes (93832-4) with one component per stage.
 * - Observation `a-…`, tag analysis: analysis results; `method` names the algorithm, the extension
 *   `algorithm-provenance` carries algorithm, variant, parameters and coverage; derivedFrom where given.
 * - Provenance: one per upload, targeting the Observations it stored.
 * - Communication: an insight's text with its disclaimer.
 */
import { quantityTypes, sleepStages } from '../contracts/health-types.ts';
import { localDate, zoneOffsetMinutes } from '../contracts/time.ts';
import { buildMinuteSeries } from '../importers/minute-series.ts';
import {
  analysisCodes,
  analysisCoding,
  deviceCountCoding,
  healthKitCoding,
  metricCode,
  sleepDurationCoding,
  sleepStageCodes,
  systems,
  type Coding,
  type TagCode,
  type UcumUnit,
} from './codes.ts';
import {
  decimal,
  fhirId,
  hash,
  isoWithOffset,
  sleepEpisodes,
  type ExportInput,
  type ExportSample,
  type ExportUpload,
  type SleepEpisode,
} from './model.ts';

export interface FhirResource {
  resourceType: string;
  id: string;
  [key: string]: unknown;
}

export interface FhirBundle {
  resourceType: 'Bundle';
  id: string;
  type: 'collection' | 'searchset';
  timestamp: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry: { fullUrl: string; resource: FhirResource; search?: { mode: 'match' | 'include' } }[];
}

const MIN = 60_000;

const ref = (type: string, id: string, display?: string): Record<string, string> => ({
  reference: `${type}/${id}`,
  ...(display ? { display } : {}),
});

const tag = (code: TagCode): Record<string, unknown> => ({ tag: [{ system: systems.tag, code }] });

function category(code: 'vital-signs' | 'activity'): unknown[] {
  return [
    {
      coding: [
        {
          system: systems.observationCategory,
          code,
          display: code === 'vital-signs' ? 'Vital Signs' : 'Activity',
        },
      ],
    },
  ];
}

function quantity(value: number, u: UcumUnit | undefined, rawUnit: string | null): Record<string, unknown> {
  if (!u) return { value: decimal(value), ...(rawUnit ? { unit: rawUnit } : {}) };
  return { value: decimal(value * u.factor), unit: u.unit, system: systems.ucum, code: u.code };
}

function effective(startMs: number, endMs: number, offset: number): Record<string, unknown> {
  return startMs === endMs
    ? { effectiveDateTime: isoWithOffset(startMs, offset) }
    : { effectivePeriod: { start: isoWithOffset(startMs, offset), end: isoWithOffset(endMs, offset) } };
}

/** Device family of a source name (Device.type text and manufacturer). */
export function deviceFamily(source: string): { type: string; manufacturer?: string } {
  const s = source.toLowerCase();
  if (s.includes('watch') && !s.includes('actiwatch')) return { type: 'Apple Watch', manufacturer: 'Apple' };
  if (s.includes('iphone')) return { type: 'iPhone', manufacturer: 'Apple' };
  if (s.includes('actiwatch')) return { type: 'Actiwatch', manufacturer: 'Philips Respironics' };
  if (/actigraph|gt3x|actisleep/.test(s)) return { type: 'ActiGraph', manufacturer: 'ActiGraph' };
  if (s.includes('fitbit')) return { type: 'Fitbit', manufacturer: 'Fitbit' };
  return { type: 'Health app or other source' };
}

export const deviceId = (source: string): string => `dev-${hash(source)}`;

function deviceResource(source: string): FhirResource {
  const f = deviceFamily(source);
  return {
    resourceType: 'Device',
    id: deviceId(source),
    identifier: [{ system: systems.source, value: source }],
    deviceName: [{ name: source, type: 'user-friendly-name' }],
    type: { text: f.type },
    ...(f.manufacturer ? { manufacturer: f.manufacturer } : {}),
  };
}

/** Codings of a stored metric: LOINC first where it has one, then the HealthKit identifier. */
function metricCodings(s: Pick<ExportSample, 'metric' | 'type' | 'source'>): Coding[] {
  if (s.metric === 'activity_counts') return [deviceCountCoding(s.source)];
  const m = metricCode(s.metric, quantityTypes[s.type]?.canonicalUnit ?? null);
  return [...(m?.loinc ? [m.loinc] : []), healthKitCoding(s.type)];
}

function categoryOf(s: Pick<ExportSample, 'metric' | 'unit'>): 'vital-signs' | 'activity' {
  if (s.metric === 'sleep') return 'activity';
  return metricCode(s.metric, s.unit)?.category ?? 'vital-signs';
}

function valueOf(s: ExportSample): Record<string, unknown> {
  if (s.stage !== null) {
    const st = sleepStageCodes[s.stage];
    return {
      valueCodeableConcept: {
        coding: [{ system: systems.sleepStage, code: s.stage, display: st?.display ?? s.stage }],
      },
    };
  }
  if (s.category !== undefined && s.category !== null)
    return {
      valueCodeableConcept: { coding: [{ system: systems.healthkitCategoryValue, code: s.category }] },
    };
  if (s.value === null) return {};
  return { valueQuantity: quantity(s.value, metricCode(s.metric, s.unit)?.unit, s.unit) };
}

interface Ctx {
  patient: string;
  /** Observation ids per upload id (Provenance targets). */
  byUpload: Map<string, string[]>;
}

/** Records an Observation as stored by an upload (its Provenance target); returns the id. */
function note(ctx: Ctx, uploadId: string | undefined, id: string): string {
  if (uploadId === undefined) return id;
  const l = ctx.byUpload.get(uploadId);
  if (l) l.push(id);
  else ctx.byUpload.set(uploadId, [id]);
  return id;
}

function sampleObservation(s: ExportSample, ctx: Ctx): FhirResource {
  return {
    resourceType: 'Observation',
    id: fhirId(`s-${s.id}`),
    identifier: [{ system: systems.healthkit, value: s.id }],
    status: 'final',
    category: category(categoryOf(s)),
    code: { coding: metricCodings(s) },
    subject: ref('Patient', ctx.patient),
    ...effective(s.startMs, s.endMs, s.offsetMinutes),
    ...valueOf(s),
    device: ref('Device', deviceId(s.source), s.source),
  };
}

/** One-minute, minute-aligned samples of a cumulative metric (what device uploads store). */
const isMinuteSample = (s: ExportSample): boolean =>
  s.value !== null && s.endMs - s.startMs === MIN && s.startMs % MIN === 0;

/** Which (metric, source) groups go out as minute-series SampledData. */
function minuteGroups(samples: readonly ExportSample[]): Set<string> {
  const counts = new Map<string, { all: number; minute: number }>();
  for (const s of samples) {
    if (quantityTypes[s.type]?.aggregation !== 'cumulative') continue;
    const k = `${s.metric}\u0000${s.source}`;
    const c = counts.get(k) ?? { all: 0, minute: 0 };
    c.all++;
    if (isMinuteSample(s)) c.minute++;
    counts.set(k, c);
  }
  const out = new Set<string>();
  for (const [k, c] of counts) if (c.minute === c.all && c.all >= 60) out.add(k);
  return out;
}

/** Id of the minute-series Observation of one metric, source and local day. */
export function minuteSeriesObservationId(metric: string, source: string, date: string): string {
  return fhirId(`m-${metric.replaceAll('_', '-')}-${hash(source, 8)}-${date}`);
}

function minuteSeriesObservations(group: ExportSample[], ctx: Ctx): FhirResource[] {
  const byDay = new Map<string, ExportSample[]>();
  for (const s of group) {
    const d = localDate(s.startMs, s.offsetMinutes);
    const l = byDay.get(d);
    if (l) l.push(s);
    else byDay.set(d, [s]);
  }
  const out: FhirResource[] = [];
  for (const [date, day] of byDay) {
    day.sort((a, b) => a.startMs - b.startMs);
    const first = day[0] as ExportSample;
    const last = day[day.length - 1] as ExportSample;
    const n = (last.startMs - first.startMs) / MIN + 1;
    const data = new Array<string>(n).fill('E');
    for (const s of day) data[(s.startMs - first.startMs) / MIN] = String(decimal(s.value as number));
    const u = metricCode(first.metric, first.unit)?.unit;
    const id = minuteSeriesObservationId(first.metric, first.source, date);
    for (const uid of new Set(day.map((s) => s.uploadId))) note(ctx, uid, id);
    out.push({
      resourceType: 'Observation',
      id,
      meta: tag('minute-series'),
      status: 'final',
      category: category(categoryOf(first)),
      code: { coding: metricCodings(first) },
      subject: ref('Patient', ctx.patient),
      effectivePeriod: {
        start: isoWithOffset(first.startMs, first.offsetMinutes),
        end: isoWithOffset(last.endMs, last.offsetMinutes),
      },
      valueSampledData: {
        origin: { value: 0, ...(u ? { unit: u.unit, system: systems.ucum, code: u.code } : {}) },
        period: MIN,
        ...(u && u.factor !== 1 ? { factor: u.factor } : {}),
        dimensions: 1,
        data: data.join(' '),
      },
      device: ref('Device', deviceId(first.source), first.source),
    });
  }
  return out;
}

/** Day totals of the cumulative metrics, from the same minute series the store keeps. */
function dailySummaries(input: ExportInput, ctx: Ctx): FhirResource[] {
  const cumulative = input.samples.filter(
    (s) => s.value !== null && quantityTypes[s.type]?.aggregation === 'cumulative',
  );
  const typeOf = new Map(cumulative.map((s) => [s.metric, s]));
  const out: FhirResource[] = [];
  for (const doc of buildMinuteSeries(cumulative, { timezone: input.timezone })) {
    if (doc.kind !== 'sum' || doc.coverage === 0) continue;
    const any = typeOf.get(doc.metric) as ExportSample;
    const u = metricCode(doc.metric, doc.unit)?.unit;
    const total = doc.values.reduce<number>((a, v) => a + (v ?? 0), 0);
    const endMs = doc.startMs + doc.minutes * MIN;
    const offset = (ms: number): number => zoneOffsetMinutes(ms, input.timezone);
    out.push({
      resourceType: 'Observation',
      id: fhirId(`d-${doc.metric.replaceAll('_', '-')}-${doc.date}`),
      meta: tag('daily-summary'),
      status: 'final',
      category: category(categoryOf(any)),
      code: {
        coding: metricCodings({ metric: doc.metric, type: any.type, source: doc.sources[0] ?? '' }),
        text: `Daily total (${doc.date}, ${doc.timezone})`,
      },
      subject: ref('Patient', ctx.patient),
      effectivePeriod: {
        start: isoWithOffset(doc.startMs, offset(doc.startMs)),
        end: isoWithOffset(endMs, offset(endMs)),
      },
      valueQuantity: quantity(total, u, doc.unit),
    });
  }
  return out;
}

function sleepEpisodeObservation(e: SleepEpisode, ctx: Ctx): FhirResource {
  const { source, startMs: start, endMs: end, offsetMinutes: off, perStage, asleep } = e;
  const min = analysisCodes.total_sleep_time.unit;
  return {
    resourceType: 'Observation',
    id: fhirId(`e-${hash(source, 8)}-${start}`),
    meta: tag('daily-summary'),
    status: 'final',
    category: category('activity'),
    code: { coding: [sleepDurationCoding], text: 'Sleep episode: minutes asleep, minutes per stage' },
    subject: ref('Patient', ctx.patient),
    effectivePeriod: { start: isoWithOffset(start, off), end: isoWithOffset(end, off) },
    valueQuantity: quantity(asleep, min, 'min'),
    component: sleepStages
      .filter((st) => perStage.has(st))
      .map((st) => ({
        code: {
          coding: [
            ...(sleepStageCodes[st]?.loinc ? [sleepStageCodes[st].loinc] : []),
            { system: systems.sleepStage, code: st, display: sleepStageCodes[st]?.display ?? st },
          ],
        },
        valueQuantity: quantity(perStage.get(st) as number, min, 'min'),
      })),
    device: ref('Device', deviceId(source), source),
  };
}

function analysisObservations(input: ExportInput, ctx: Ctx): FhirResource[] {
  return (input.analyses ?? []).map((a) => {
    const unit = analysisCodes[a.key].unit;
    const p = a.provenance;
    const label = `${p.algorithm}${p.variant ? ` (${p.variant})` : ''}`;
    const id = fhirId(`a-${a.id}`);
    note(ctx, a.uploadId, id);
    return {
      resourceType: 'Observation',
      id,
      meta: tag('analysis'),
      extension: [
        {
          url: systems.algorithmExtension,
          valueString: JSON.stringify({
            algorithm: p.algorithm,
            ...(p.variant ? { variant: p.variant } : {}),
            parameters: p.parameters,
            ...(p.epochSeconds !== undefined ? { epochSeconds: p.epochSeconds } : {}),
            coverage: p.coverage,
          }),
        },
      ],
      status: 'final',
      category: category(
        a.key === 'sdnn' || a.key === 'rmssd' || a.key.includes('heart') ? 'vital-signs' : 'activity',
      ),
      code: { coding: analysisCoding(a.key) },
      subject: ref('Patient', ctx.patient),
      ...(a.startMs !== undefined ? effective(a.startMs, a.endMs ?? a.startMs, a.offsetMinutes ?? 0) : {}),
      valueQuantity: quantity(a.value, unit, null),
      method: {
        coding: [{ system: systems.algorithm, code: p.algorithm, display: label }],
        text: `${label}; parameters ${JSON.stringify(p.parameters)}; coverage ${(100 * p.coverage.fraction).toFixed(1)} % of ${p.coverage.total}`,
      },
      ...(a.derivedFrom && a.derivedFrom.length > 0
        ? { derivedFrom: a.derivedFrom.map((id) => ref('Observation', id)) }
        : {}),
    };
  });
}

function workoutObservations(input: ExportInput, ctx: Ctx): FhirResource[] {
  const kcal = metricCode('active_energy', 'kcal')?.loinc;
  return (input.workouts ?? []).map((w) => ({
    resourceType: 'Observation',
    id: note(ctx, w.uploadId, fhirId(`w-${w.id}`)),
    status: 'final',
    category: category('activity'),
    code: {
      coding: [{ system: systems.healthkit, code: 'HKWorkoutTypeIdentifier', display: 'Workout' }],
      text: w.activityType,
    },
    subject: ref('Patient', ctx.patient),
    ...effective(w.startMs, w.endMs, w.offsetMinutes),
    valueQuantity: quantity((w.endMs - w.startMs) / MIN, analysisCodes.waso.unit, 'min'),
    component: [
      ...(w.energyKcal !== null && kcal
        ? [
            {
              code: { coding: [kcal] },
              valueQuantity: quantity(w.energyKcal, metricCode('active_energy', 'kcal')?.unit, 'kcal'),
            },
          ]
        : []),
      ...(w.distanceM !== null
        ? [
            {
              code: {
                coding: [healthKitCoding('HKQuantityTypeIdentifierDistanceWalkingRunning')],
                text: 'Distance',
              },
              valueQuantity: quantity(w.distanceM, metricCode('distance', 'm')?.unit, 'm'),
            },
          ]
        : []),
    ],
    device: ref('Device', deviceId(w.source), w.source),
  }));
}

function provenance(u: ExportUpload, targets: string[], ctx: Ctx, sources: string[]): FhirResource {
  return {
    resourceType: 'Provenance',
    id: fhirId(`prov-${u.id}`),
    target: targets.map((id) => ref('Observation', id)),
    recorded: new Date(u.receivedMs).toISOString(),
    activity: { text: `upload (${u.source}, ${u.format})` },
    agent: [
      {
        type: { coding: [{ system: systems.provenanceParticipant, code: 'author', display: 'Author' }] },
        who: ref('Patient', ctx.patient),
      },
      ...sources.map((s) => ({
        type: {
          coding: [{ system: systems.provenanceParticipant, code: 'performer', display: 'Performer' }],
        },
        who: ref('Device', deviceId(s), s),
      })),
    ],
    entity: [
      {
        role: 'source',
        what: {
          identifier: { system: systems.upload, value: u.id },
          display: u.name ?? `${u.source} upload ${u.id}`,
        },
      },
    ],
  };
}

function communication(i: ExportInput['insights'] & object, ctx: Ctx): FhirResource[] {
  return i.map((x) => ({
    resourceType: 'Communication',
    id: fhirId(`insight-${x.id}`),
    status: 'completed',
    category: [{ text: 'Health insight (generated; not medical advice)' }],
    subject: ref('Patient', ctx.patient),
    sent: new Date(x.createdMs).toISOString(),
    language: x.locale,
    payload: [
      { contentString: x.narrative },
      ...x.keyInsights.map((k) => ({ contentString: `${k.title}: ${k.detail}` })),
      ...x.recommendations.map((r) => ({ contentString: r })),
      { contentString: x.disclaimer },
    ],
    note: [{ text: x.disclaimer }],
  }));
}

/**
 * FHIR strings allow no whitespace but space, tab, CR and LF (the R4 schema's `[ \r\n\t\S]+`): other
 * whitespace (Apple writes "Apple\u00a0Watch" with a no-break space) becomes a space, everywhere.
 */
function fhirStrings<T>(v: T): T {
  if (typeof v === 'string') return v.replace(/(?![ \r\n\t])\s/g, ' ') as T;
  if (Array.isArray(v)) return v.map(fhirStrings) as T;
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fhirStrings(x)])) as T;
  return v;
}

/** Every resource of the export: Patient, Devices, Observations, Provenances, Communications. */
export function fhirResources(input: ExportInput): FhirResource[] {
  return fhirStrings(buildResources(input));
}

function buildResources(input: ExportInput): FhirResource[] {
  const patient = fhirId(input.subject.id);
  const ctx: Ctx = { patient, byUpload: new Map() };
  const groups = minuteGroups(input.samples);
  const grouped = new Map<string, ExportSample[]>();
  const observations: FhirResource[] = [];
  for (const s of input.samples) {
    const k = `${s.metric}\u0000${s.source}`;
    if (groups.has(k)) {
      const l = grouped.get(k);
      if (l) l.push(s);
      else grouped.set(k, [s]);
      continue;
    }
    const o = sampleObservation(s, ctx);
    note(ctx, s.uploadId, o.id);
    observations.push(o);
  }
  for (const g of grouped.values()) observations.push(...minuteSeriesObservations(g, ctx));
  observations.push(
    ...dailySummaries(input, ctx),
    ...sleepEpisodes(input.samples).map((e) => sleepEpisodeObservation(e, ctx)),
  );
  observations.push(...analysisObservations(input, ctx), ...workoutObservations(input, ctx));
  const sources = [
    ...new Set([...input.samples.map((s) => s.source), ...(input.workouts ?? []).map((w) => w.source)]),
  ].sort();
  const sourcesOf = new Map<string, Set<string>>();
  for (const s of input.samples) {
    if (s.uploadId === undefined) continue;
    const set = sourcesOf.get(s.uploadId) ?? new Set<string>();
    set.add(s.source);
    sourcesOf.set(s.uploadId, set);
  }
  const provenances = (input.uploads ?? [])
    .filter((u) => (ctx.byUpload.get(u.id)?.length ?? 0) > 0)
    .map((u) =>
      provenance(u, ctx.byUpload.get(u.id) as string[], ctx, [...(sourcesOf.get(u.id) ?? [])].sort()),
    );
  return [
    {
      resourceType: 'Patient',
      id: patient,
      identifier: [
        { system: input.subject.system === 'uid' ? systems.uid : systems.subject, value: input.subject.id },
      ],
      active: true,
    },
    ...sources.map(deviceResource),
    ...observations,
    ...provenances,
    ...communication(input.insights ?? [], ctx),
  ];
}

/** A Bundle of resources; `base` prefixes each fullUrl (`{base}/{type}/{id}`). */
export function fhirBundle(
  resources: readonly FhirResource[],
  options: {
    type: 'collection' | 'searchset';
    base: string;
    timestampMs: number;
    total?: number;
    links?: { relation: string; url: string }[];
  },
): FhirBundle {
  return {
    resourceType: 'Bundle',
    id: hash(
      `${options.base}\u0000${options.timestampMs}\u0000${resources.length}\u0000${resources[0]?.id ?? ''}`,
      32,
    ),
    type: options.type,
    timestamp: new Date(options.timestampMs).toISOString(),
    ...(options.type === 'searchset' ? { total: options.total ?? resources.length } : {}),
    ...(options.links && options.links.length > 0 ? { link: options.links } : {}),
    entry: resources.map((r) => ({
      fullUrl: `${options.base}/${r.resourceType}/${r.id}`,
      resource: r,
      ...(options.type === 'searchset'
        ? { search: { mode: r.resourceType === 'Observation' ? ('match' as const) : ('include' as const) } }
        : {}),
    })),
  };
}
