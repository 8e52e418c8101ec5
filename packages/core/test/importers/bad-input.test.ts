import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ClarityError } from '../../src/errors.ts';
import {
  importAppleHealthXml,
  importAppleHealthZip,
  type ImportBatch,
  type ImportSummary,
} from '../../src/importers/apple-health/index.ts';
import { sharedData } from '../support/shared-data.ts';
import { bufferSource, chunks, makeZip } from '../support/apple-health.ts';

const nowMs = Date.parse('2026-11-25T00:00:00Z');
const tdda = (): Buffer => readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml'));

async function importBytes(
  bytes: Buffer | string,
  chunk = 512,
): Promise<{ summary: ImportSummary; batches: ImportBatch[] }> {
  const batches: ImportBatch[] = [];
  const summary = await importAppleHealthXml(chunks(bytes, chunk), {
    uid: 'u1',
    nowMs,
    onBatch: (b) => void batches.push(b),
  });
  return { summary, batches };
}

async function rejection(p: Promise<unknown>): Promise<ClarityError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClarityError);
  return e as ClarityError;
}

describe('bad input', () => {
  it('an empty file is a clear invalid_input error', async () => {
    const e = await rejection(importBytes(''));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toBe('the file is empty');
  });

  it('truncated XML ends as partial, keeping the records before the cut and saying why', async () => {
    const full = tdda();
    const text = full.toString('utf8');
    // Cut in the middle of the 8th StepCount record.
    const at = text.indexOf('value="320"');
    const { summary, batches } = await importBytes(full.subarray(0, at));
    expect(summary.status).toBe('partial');
    expect(summary.records).toBe(7);
    expect(summary.byType.HKQuantityTypeIdentifierStepCount?.accepted).toBe(7);
    expect(batches.flatMap((b) => b.samples)).toHaveLength(7);
    expect(summary.error?.code).toBe('parse_error');
    expect(summary.error?.message).toMatch(/malformed XML/);
    expect(summary.parser.mode).toBe('fast+conforming');
    // Cut at every 500th byte: never a crash, always partial or rejected with records <= full count.
    for (let cut = 1; cut < full.length - 20; cut += 500) {
      const r = await importBytes(full.subarray(0, cut), 97);
      expect(['partial', 'rejected']).toContain(r.summary.status);
      expect(r.summary.records).toBeLessThanOrEqual(15);
      expect(r.summary.records).toBe(r.summary.accepted);
    }
  });

  it('XML cut before any record is rejected', async () => {
    const { summary } = await importBytes(tdda().subarray(0, 200));
    expect(summary.status).toBe('rejected');
    expect(summary.records).toBe(0);
  });

  it('malformed XML (mismatched end tag) ends as partial with the reason', async () => {
    const text = tdda().toString('utf8').replace('<ActivitySummary ', '<Bogus></Bogos><ActivitySummary ');
    const { summary } = await importBytes(text);
    expect(summary.status).toBe('partial');
    expect(summary.records).toBe(15);
    expect(summary.error?.message).toMatch(/malformed XML/);
  });

  it('invalid UTF-8 is a parse error', async () => {
    const bytes = Buffer.concat([tdda().subarray(0, 3000), Buffer.from([0xff, 0xfe]), tdda().subarray(3000)]);
    const { summary } = await importBytes(bytes);
    expect(summary.status).toBe('rejected');
    expect(summary.error?.message).toMatch(/UTF-8/);
  });

  it('a root other than HealthData is refused', async () => {
    const e = await rejection(importBytes('<?xml version="1.0"?><gpx><trk/></gpx>'));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/not an Apple Health export/);
  });

  it('a zip without export.xml is a clear invalid_input error', async () => {
    const zip = makeZip([
      { name: 'apple_health_export/export_cda.xml', data: '<ClinicalDocument/>' },
      { name: 'apple_health_export/workout-routes/route_1.gpx', data: '<gpx/>' },
    ]);
    const e = await rejection(importAppleHealthZip(bufferSource(zip), { uid: 'u1', nowMs }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/holds no apple_health_export\/export\.xml \(2 entries\)/);
  });

  it('bytes that are not a zip are a parse error; a zip given as a stream is refused with a pointer', async () => {
    const e = await rejection(
      importAppleHealthZip(bufferSource(Buffer.from('not a zip at all, just text that is long enough')), {
        uid: 'u1',
        nowMs,
      }),
    );
    expect(e.code).toBe('parse_error');
    const zip = makeZip([{ name: 'apple_health_export/export.xml', data: tdda() }]);
    const e2 = await rejection(importAppleHealthXml(Readable.from([zip]), { uid: 'u1', nowMs }));
    expect(e2.code).toBe('unsupported_media_type');
    expect(e2.message).toMatch(/importAppleHealthZip/);
  });

  it('a zip whose compressed data is corrupt ends as a parse error', async () => {
    const zip = makeZip([{ name: 'apple_health_export/export.xml', data: tdda() }]);
    // Damage the deflate stream after the local header (30 bytes + name).
    for (let i = 80; i < 200; i++) zip[i] = 0xff;
    const summary = await importAppleHealthZip(bufferSource(zip), { uid: 'u1', nowMs });
    expect(summary.status).toBe('rejected');
    expect(summary.records).toBe(0);
    expect(summary.error?.code).toBe('parse_error');
    expect(summary.error?.message).toMatch(/^the zip entry is corrupt: /);
  });

  it('an invalid timezone option is refused', async () => {
    const e = await rejection(
      importAppleHealthXml(chunks(tdda(), 100), { uid: 'u1', timezone: 'Mars/Olympus' }),
    );
    expect(e.code).toBe('invalid_argument');
  });
});

describe('zip archives', () => {
  it('reads apple_health_export/export.xml from a deflated or stored archive with other entries, like the plain XML', async () => {
    const xml = tdda();
    const plain = await importBytes(xml);
    for (const store of [false, true]) {
      const zip = makeZip([
        { name: 'apple_health_export/electrocardiograms/ecg_2020-01-01.csv', data: 'a,b\n1,2\n' },
        { name: 'apple_health_export/export_cda.xml', data: '<ClinicalDocument/>' },
        { name: 'apple_health_export/export.xml', data: xml, store },
      ]);
      const src = bufferSource(zip);
      const batches: ImportBatch[] = [];
      const progress: number[] = [];
      const summary = await importAppleHealthZip(src, {
        uid: 'u1',
        nowMs,
        onBatch: (b) => void batches.push(b),
        onProgress: (p) => progress.push(p.bytes),
      });
      expect(summary.format).toBe('apple_health_zip');
      expect(summary.archiveBytes).toBe(zip.length);
      expect({ ...summary, format: 'x', archiveBytes: 0 }).toEqual({
        ...plain.summary,
        format: 'x',
        archiveBytes: 0,
      });
      expect(batches.flatMap((b) => b.samples)).toEqual(plain.batches.flatMap((b) => b.samples));
      expect(progress.at(-1)).toBe(xml.length);
      expect(src.reads).toBeGreaterThan(0);
    }
  });

  it('accepts an export.xml under another folder name when Apple’s is absent', async () => {
    const zip = makeZip([{ name: 'Export Santé/export.xml', data: tdda() }]);
    const summary = await importAppleHealthZip(bufferSource(zip), { uid: 'u1', nowMs });
    expect(summary.records).toBe(15);
  });
});

describe('streaming', () => {
  it('awaits the sink: a slow sink holds the reading back (backpressure), nothing is read far ahead', async () => {
    const { generateAppleExport } = await import('../../bench/generate-apple-export.ts');
    const xml = Buffer.from([...generateAppleExport({ targetBytes: 3e6, seed: 9 })].join(''));
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < xml.length; i += 16_384) {
        pulled += Math.min(16_384, xml.length - i);
        await Promise.resolve();
        yield xml.subarray(i, i + 16_384);
      }
    }
    const aheadAtBatch: number[] = [];
    let consumed = 0;
    const summary = await importAppleHealthXml(source(), {
      uid: 'u1',
      nowMs,
      batchSize: 200,
      onBatch: async (b) => {
        consumed += b.samples.length;
        aheadAtBatch.push(pulled);
        await new Promise((r) => setTimeout(r, 1));
      },
    });
    expect(summary.status).toBe('ingested');
    expect(consumed).toBe(summary.accepted);
    // When the first batch is delivered, only a small part of the 3 MB has been pulled from the source.
    expect(aheadAtBatch[0]).toBeLessThan(200_000);
    expect(aheadAtBatch.length).toBeGreaterThan(20);
  });
});
