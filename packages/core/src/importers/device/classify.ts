/**
 * What an uploaded health-data file is, from its name and first bytes: the one dispatch shared by
 * `clarity import` and the Storage trigger, so a file is read the same way locally and in the cloud.
 */
import { deviceFormatOf } from '../../readers/load.ts';

export type UploadKind =
  | 'apple-zip'
  | 'apple-xml'
  | 'fitbit-minute'
  | 'fitbit-hourly'
  | 'fitbit-daily'
  | 'awd'
  | 'agd'
  | 'actilife-csv'
  | 'nn-intervals';

/** How many leading bytes classifyUpload needs. */
export const classifyHeadBytes = 4096;

const appleXml = /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE\s+HealthData|<HealthData[\s>])/;

/**
 * Classifies a file by content first (zip magic, the Apple Health root element, Fitbit's Fitabase headers),
 * then by the device readers' rules (extension, SQLite magic, ActiLife banner, AWD header). Undefined when
 * no reader takes it.
 */
export function classifyUpload(name: string, head: Uint8Array): UploadKind | undefined {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
    return 'apple-zip';
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (appleXml.test(text)) return 'apple-xml';
  const first = (text.split(/\r?\n/)[0] ?? '').replace(/\s/g, '');
  if (first.startsWith('Id,ActivityHour,Steps00')) return 'fitbit-minute';
  if (first === 'Id,ActivityHour,StepTotal') return 'fitbit-hourly';
  if (first === 'Id,ActivityDay,StepTotal') return 'fitbit-daily';
  return deviceFormatOf(name, head);
}
