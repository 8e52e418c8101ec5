export * from './pat.ts';
export * from './contracts.ts';
export * from './preprocess.ts';
export * from './flops.ts';
