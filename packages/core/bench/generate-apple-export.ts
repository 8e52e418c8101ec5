/**
 * Seeded generator of synthetic Apple Health exports in Apple's own layout (XML declaration, the
 * HealthKit Export Version 3 DTD, HealthData/ExportDate/Me, then Records with MetadataEntry children,
 * HRV records with HeartRateVariabilityMetadataList/InstantaneousBeatsPerMinute, Workouts with metadata,
 * events and statistics, ActivitySummaries). One simulated day at a time in America/New_York (so offsets
 * switch between -0500 and -0400 at DST) until the byte target is reached. Apple groups ActivitySummaries
 * after the records; here each day's summary follows that day's records, which a streaming reader treats
 * alike. Used by the import benchmark and, at small sizes, by the tests.
 *
 * Run: node packages/core/bench/generate-apple-export.ts OUT.xml SIZE_MB [SEED]
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { zoneOffsetMinutes } from '../src/contracts/time.ts';
import { seededRandom } from '../src/util/seeded-random.ts';

export interface GenerateOptions {
  /** Stop after the first day that brings the output to at least this many bytes (approximately: UTF-16 length). */
  targetBytes: number;
  seed: number;
  timeZone?: string;
  /** First simulated day, YYYY-MM-DD. */
  startDate?: string;
}

const dtd = `<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 3 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level records in this document. -->
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutEvent (MetadataEntry?)>
<!ATTLIST WorkoutEvent
  type         CDATA #REQUIRED
  date         CDATA #REQUIRED
  duration     CDATA #IMPLIED
  durationUnit CDATA #IMPLIED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  activeEnergyBurnedGoal   CDATA #IMPLIED
  activeEnergyBurnedUnit   CDATA #IMPLIED
  appleMoveTime            CDATA #IMPLIED
  appleMoveTimeGoal        CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
  appleExerciseTimeGoal    CDATA #IMPLIED
  appleStandHours          CDATA #IMPLIED
  appleStandHoursGoal      CDATA #IMPLIED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
]>
`;

const watch = {
  name: 'Jane’s Apple Watch',
  version: '10.3',
  device:
    '&lt;&lt;HKDevice: 0x600001d8c2d0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,1, software:10.3, creation date:2024-01-05 09:12:44 +0000&gt;',
};
const phone = {
  name: 'Jane’s iPhone',
  version: '17.3',
  device:
    '&lt;&lt;HKDevice: 0x600001d8c4b0&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,5, software:17.3, creation date:2024-01-05 09:12:44 +0000&gt;',
};

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** Apple's date format: `2024-03-15 07:01:00 -0400`. */
export function appleDate(ms: number, offsetMinutes: number): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const a = Math.abs(offsetMinutes);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${sign}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`;
}

/** en_US time of day as Apple writes beat times: `8:21:21.71 PM`. */
function usTime(ms: number, offsetMinutes: number): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const cs = Math.floor(d.getUTCMilliseconds() / 10);
  return `${h12}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad2(cs)} ${h < 12 ? 'AM' : 'PM'}`;
}

const sleepValues = [
  'HKCategoryValueSleepAnalysisAsleepCore',
  'HKCategoryValueSleepAnalysisAsleepDeep',
  'HKCategoryValueSleepAnalysisAsleepREM',
  'HKCategoryValueSleepAnalysisAwake',
] as const;

/** Yields the export as string pieces of about 64 KiB. */
export function* generateAppleExport(options: GenerateOptions): Generator<string, void, undefined> {
  const rnd = seededRandom(options.seed);
  const tz = options.timeZone ?? 'America/New_York';
  let dayMs = Date.parse(`${options.startDate ?? '2015-01-01'}T00:00:00Z`);
  let written = 0;
  let buf = '';
  const out = (s: string): void => {
    buf += s;
  };
  const offsetAt = (ms: number): number => zoneOffsetMinutes(ms, tz);
  let offCache = { from: 0, to: -1, off: 0 };
  const off = (ms: number): number => {
    if (ms >= offCache.from && ms < offCache.to) return offCache.off;
    // Offsets are constant within an hour except at DST switches, which fall on the hour.
    const from = Math.floor(ms / 3600_000) * 3600_000;
    offCache = { from, to: from + 3600_000, off: offsetAt(from) };
    return offCache.off;
  };
  const rec = (
    type: string,
    src: typeof watch,
    unit: string | null,
    value: string,
    start: number,
    end: number,
    inner = '',
  ): void => {
    const o = off(start);
    const head = ` <Record type="${type}" sourceName="${src.name}" sourceVersion="${src.version}" device="${src.device}"${unit === null ? '' : ` unit="${unit}"`} creationDate="${appleDate(end + 60_000, off(end))}" startDate="${appleDate(start, o)}" endDate="${appleDate(end, off(end))}" value="${value}"`;
    out(inner === '' ? `${head}/>\n` : `${head}>\n${inner} </Record>\n`);
  };

  out(`<?xml version="1.0" encoding="UTF-8"?>\n${dtd}<HealthData locale="en_US">\n`);
  out(
    ` <ExportDate value="${appleDate(Date.parse('2026-01-01T12:00:00Z'), offsetAt(Date.parse('2026-01-01T12:00:00Z')))}"/>\n`,
  );
  out(
    ` <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-06-15" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n`,
  );
  let day = 0;
  while (written + buf.length < options.targetBytes) {
    // Local midnight of the simulated day.
    const midnight = dayMs - offsetAt(dayMs) * 60_000;
    const min = (m: number): number => midnight + m * 60_000;
    // Heart rate every ~5 min while awake, with the motion-context metadata Apple writes.
    for (let m = 7 * 60; m < 23 * 60; m += 3 + Math.floor(rnd() * 5)) {
      const t = min(m) + Math.floor(rnd() * 60) * 1000;
      const v = Math.round(60 + rnd() * 60);
      rec(
        'HKQuantityTypeIdentifierHeartRate',
        watch,
        'count/min',
        String(v),
        t,
        t,
        `  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="${rnd() < 0.7 ? 0 : 1}"/>\n`,
      );
    }
    // Steps and distance from both the watch and the phone (overlapping intervals), energy from the watch.
    for (let m = 7 * 60; m < 22 * 60; m += 5 + Math.floor(rnd() * 20)) {
      const len = 1 + Math.floor(rnd() * 10);
      const steps = Math.floor(rnd() * 120 * len);
      rec('HKQuantityTypeIdentifierStepCount', watch, 'count', String(steps), min(m), min(m + len));
      rec(
        'HKQuantityTypeIdentifierStepCount',
        phone,
        'count',
        String(Math.floor(steps * (0.8 + rnd() * 0.3))),
        min(m),
        min(m + len),
      );
      rec(
        'HKQuantityTypeIdentifierDistanceWalkingRunning',
        phone,
        'mi',
        (steps * 0.00047).toFixed(5),
        min(m),
        min(m + len),
      );
      rec(
        'HKQuantityTypeIdentifierActiveEnergyBurned',
        watch,
        'Cal',
        (rnd() * 8 * len).toFixed(3),
        min(m),
        min(m + len),
      );
    }
    for (let m = 0; m < 24 * 60; m += 30) {
      rec(
        'HKQuantityTypeIdentifierBasalEnergyBurned',
        watch,
        'Cal',
        (20 + rnd() * 4).toFixed(3),
        min(m),
        min(m + 30),
      );
    }
    // Night: sleep stages from the watch, in-bed from the phone, respiratory rate and SpO2.
    const bed = min(-60 - Math.floor(rnd() * 60));
    const wake = min(6 * 60 + Math.floor(rnd() * 90));
    rec('HKCategoryTypeIdentifierSleepAnalysis', phone, null, 'HKCategoryValueSleepAnalysisInBed', bed, wake);
    for (let t = bed + 10 * 60_000; t < wake;) {
      const len = (5 + Math.floor(rnd() * 40)) * 60_000;
      const end = Math.min(wake, t + len);
      const stage = sleepValues[Math.floor(rnd() * sleepValues.length)] as string;
      rec(
        'HKCategoryTypeIdentifierSleepAnalysis',
        watch,
        null,
        stage,
        t,
        end,
        '  <MetadataEntry key="HKTimeZone" value="America/New_York"/>\n',
      );
      t = end;
    }
    for (let t = bed + 30 * 60_000; t < wake; t += 20 * 60_000) {
      rec(
        'HKQuantityTypeIdentifierRespiratoryRate',
        watch,
        'count/min',
        (12 + rnd() * 6).toFixed(1),
        t,
        t + 60_000,
      );
      if (rnd() < 0.5)
        rec('HKQuantityTypeIdentifierOxygenSaturation', watch, '%', (0.93 + rnd() * 0.06).toFixed(2), t, t);
    }
    // HRV SDNN a few times a day, each with ~60 instantaneous beats.
    for (let k = 0; k < 4; k++) {
      const start = min(8 * 60 + k * 200 + Math.floor(rnd() * 100));
      let inner = '  <HeartRateVariabilityMetadataList>\n';
      let t = start;
      for (let i = 0; i < 55 + Math.floor(rnd() * 15); i++) {
        const bpm = Math.round(55 + rnd() * 25);
        inner += `   <InstantaneousBeatsPerMinute bpm="${bpm}" time="${usTime(t, off(t))}"/>\n`;
        t += Math.round(60_000 / bpm);
      }
      inner += '  </HeartRateVariabilityMetadataList>\n';
      rec(
        'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
        watch,
        'ms',
        (20 + rnd() * 60).toFixed(4),
        start,
        t,
        inner,
      );
    }
    rec(
      'HKQuantityTypeIdentifierRestingHeartRate',
      watch,
      'count/min',
      String(Math.round(50 + rnd() * 20)),
      min(0),
      min(24 * 60 - 1),
    );
    rec(
      'HKQuantityTypeIdentifierWalkingHeartRateAverage',
      watch,
      'count/min',
      String(Math.round(90 + rnd() * 20)),
      min(0),
      min(24 * 60 - 1),
    );
    // A few records of types the importer does not map (counted as unknown).
    rec(
      'HKQuantityTypeIdentifierFlightsClimbed',
      phone,
      'count',
      String(Math.floor(rnd() * 10)),
      min(12 * 60),
      min(12 * 60 + 5),
    );
    if (day % 2 === 0) {
      const ws = min(17 * 60 + Math.floor(rnd() * 60));
      const dur = 20 + rnd() * 40;
      const we = ws + Math.round(dur * 60_000);
      const o = off(ws);
      out(
        ` <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="${dur.toFixed(10)}" durationUnit="min" sourceName="${watch.name}" sourceVersion="${watch.version}" device="${watch.device}" creationDate="${appleDate(we + 5000, o)}" startDate="${appleDate(ws, o)}" endDate="${appleDate(we, o)}">\n` +
          `  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n  <MetadataEntry key="HKTimeZone" value="America/New_York"/>\n` +
          `  <MetadataEntry key="HKWeatherTemperature" value="${Math.round(40 + rnd() * 40)} degF"/>\n` +
          `  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="${appleDate(ws, o)}" duration="${(dur / 2).toFixed(6)}" durationUnit="min"/>\n` +
          `  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="${appleDate(ws, o)}" endDate="${appleDate(we, o)}" sum="${(dur * 10).toFixed(3)}" unit="Cal"/>\n` +
          `  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="${appleDate(ws, o)}" endDate="${appleDate(we, o)}" sum="${(dur * 0.1).toFixed(5)}" unit="mi"/>\n` +
          `  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="${appleDate(ws, o)}" endDate="${appleDate(we, o)}" average="142" minimum="95" maximum="171" unit="count/min"/>\n` +
          ` </Workout>\n`,
      );
    }
    const date = new Date(dayMs).toISOString().slice(0, 10);
    out(
      ` <ActivitySummary dateComponents="${date}" activeEnergyBurned="${(200 + rnd() * 500).toFixed(3)}" activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="Cal" appleMoveTime="0" appleMoveTimeGoal="0" appleExerciseTime="${Math.floor(rnd() * 90)}" appleExerciseTimeGoal="30" appleStandHours="${Math.floor(rnd() * 16)}" appleStandHoursGoal="12"/>\n`,
    );
    day++;
    dayMs += 86_400_000;
    if (buf.length >= 65_536) {
      written += buf.length;
      yield buf;
      buf = '';
    }
  }
  out('</HealthData>\n');
  yield buf;
}

/** Writes a generated export to a file and returns its size in bytes. */
export function writeAppleExport(path: string, options: GenerateOptions): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    for (const piece of generateAppleExport(options)) bytes += writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

if (process.argv[1]?.endsWith('generate-apple-export.ts')) {
  const [out, mb, seed] = process.argv.slice(2);
  if (out === undefined || mb === undefined) {
    console.error('usage: node packages/core/bench/generate-apple-export.ts OUT.xml SIZE_MB [SEED]');
    process.exit(2);
  }
  const bytes = writeAppleExport(out, { targetBytes: Number(mb) * 1e6, seed: Number(seed ?? 1) });
  console.log(`${out}: ${bytes} bytes`);
}
