export * from './resample.ts';
export * from './nonwear.ts';
export * from './outliers.ts';
