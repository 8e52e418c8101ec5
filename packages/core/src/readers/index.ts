// Readers of device files into EpochSeries (and NN intervals). The AWD/ActiLife/AGD readers are added below
// by the sleep-analytics work; nn-intervals.ts and fitbit.ts by the HRV/activity work.
export * from './nn-intervals.ts';
export * from './fitbit.ts';
export * from './awd.ts';
export * from './actilife-csv.ts';
export * from './agd.ts';
export * from './load.ts';
export * from './local-time.ts';
export {
  forEachLineOfText,
  forEachLineOfFile,
  STREAM_THRESHOLD_BYTES,
  type LineHandler,
  type LineReadOptions,
} from './lines.ts';
