// Apple Health export import: streaming XML (fast path + conforming fallback), zip, mapping to canonical
// samples, import summary, and per-day minute series.
export type { AttrMap, ExportElement, RecordElement, WorkoutElement } from './elements.ts';
export { readExportElements, type ByteSource, type ParserChoice, type ParserInfo } from './xml-stream.ts';
export {
  openExportXmlInZip,
  looksLikeZip,
  exportXmlEntry,
  type RandomAccessSource,
  type ZipEntryStream,
} from './zip.ts';
export {
  mapRecord,
  mapWorkout,
  mapActivitySummary,
  mapBeats,
  isKnownRecordType,
  passesSampleShape,
  type BeatRate,
  type ImportedSample,
  type ImportedWorkout,
  type ImportedActivitySummary,
  type MapContext,
} from './mapping.ts';
export {
  importAppleHealthXml,
  importAppleHealthZip,
  importAppleHealthFile,
  sniffFile,
  type ImportSummary,
  type ImportBatch,
  type ImportOptions,
  type ImportProgress,
  type ImportRejection,
  type TypeCounts,
} from './importer.ts';
export { SeenIds } from './seen-ids.ts';
export {
  buildMinuteSeries,
  sumMinutes,
  statsMinutes,
  stateMinutes,
  dayGrid,
  localMidnight,
  zoneDate,
  seriesDocId,
  defaultSourceRank,
  metricIds,
  minuteSeriesDocSchema,
  sumSeriesSchema,
  statsSeriesSchema,
  stateSeriesSchema,
  type MinuteSeriesDoc,
  type SumSeriesDoc,
  type StatsSeriesDoc,
  type StateSeriesDoc,
  type MinuteSeriesOptions,
  type SourceRanker,
} from '../minute-series.ts';
export { everyTypeExport, type EveryTypeRecord } from './every-type-export.ts';
