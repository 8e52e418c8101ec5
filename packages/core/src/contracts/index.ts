export * from './epoch-series.ts';
export * from './provenance.ts';
export * from './health-types.ts';
export * from './time.ts';
export * from './healthkit-upload.ts';
export * from './documents.ts';
export * from './pipeline.ts';
export {
  catalogQuantityTypes,
  catalogCategoryTypes,
  isFutureHealthKitIdentifier,
  type CatalogQuantity,
  type CatalogCategory,
} from './healthkit-catalog.ts';
export { healthKitTypeTable } from './healthkit-table.ts';
export * from './api.ts';
