export * from './errors.ts';
export * from './logger.ts';
export * from './contracts/index.ts';
export * from './readers/index.ts';
export * from './analytics/preprocess/index.ts';
export * from './analytics/sleep/index.ts';
export * from './analytics/circadian/index.ts';
export * from './analytics/hrv/index.ts';
export * from './analytics/activity/index.ts';
export * from './analytics/trends/index.ts';
export * from './importers/apple-health/index.ts';
export * from './importers/device/index.ts';
export {
  defaultImportLimits,
  importLimits,
  parseLimitOverrides,
  type ImportLimits,
  type LimitName,
} from './importers/limits.ts';
export * from './model/index.ts';
export * from './insights/index.ts';
export * from './util/stored-zip.ts';
export * from './util/seeded-random.ts';
export * from './interop/index.ts';
