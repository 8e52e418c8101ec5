// FHIR R4 and Open mHealth: export of canonical samples and results, the code table, and FHIR import.
export {
  systems,
  analysisCodes,
  interopCodeTable,
  metricCode,
  ucumOf,
  type AnalysisKey,
  type Coding,
  type UcumUnit,
} from './codes.ts';
export {
  fhirId,
  isoWithOffset,
  type ExportInput,
  type ExportSample,
  type ExportUpload,
  type ExportAnalysisResult,
  type ExportWorkout,
  type ExportInsight,
} from './model.ts';
export { fhirResources, fhirBundle, deviceFamily, type FhirResource, type FhirBundle } from './fhir.ts';
export { omhRecords, omhNdjson, type OmhDataPoint } from './omh.ts';
export { exportInputFromFile, type FileExportOptions } from '../importers/file-export-input.ts';
export { analysisResults, type StoredAnalysis } from './analysis.ts';
export { fhirUploadBody, fhirIssuePaths, fhirRawObjectSuffix, type FhirUploadBody } from './fhir-import.ts';
