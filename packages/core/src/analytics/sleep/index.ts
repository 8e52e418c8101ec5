export * from './scoring.ts';
export * from './periods.ts';
