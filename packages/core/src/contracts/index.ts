export * from './epoch-series.ts';
export * from './provenance.ts';
