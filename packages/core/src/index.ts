export * from './errors.ts';
export * from './contracts/epoch-series.ts';
