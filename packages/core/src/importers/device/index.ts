// Device files (actigraphy, Fitbit) for uploads: classification shared by `clarity import` and the Storage
// trigger, reading into metric streams, and epoch -> minute conversion in the user's zone.
export { classifyUpload, classifyHeadBytes, type UploadKind } from './classify.ts';
export {
  readDeviceUpload,
  isStorableDeviceKind,
  storableDeviceKinds,
  type DeviceClock,
  type DeviceReadOptions,
  type DeviceStream,
  type DeviceUpload,
  type StorableDeviceKind,
} from './read.ts';
export {
  epochsToMinutes,
  minuteSamples,
  epochMinuteSeries,
  type EpochMinuteOptions,
  type MinuteConversion,
  type MinuteSampleSpec,
} from './epoch-minutes.ts';
