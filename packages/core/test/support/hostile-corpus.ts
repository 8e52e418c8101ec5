/**
 * The generated hostile corpus (issue 15): one crafted file per class of resource attack on the readers,
 * at two scales. `small` (npm test) already crosses every limit; `full` (npm run test:hostile) is the size an
 * attacker would send (gigabytes of expansion, a million zip entries, 630 million epochs of gap). Files are
 * written to a folder by streaming, so the generator itself stays small in memory.
 *
 * Each case names the limit (or parse rule) that must stop it; the tests require the import to end, rejected
 * or partial, within 10 s and 256 MB peak RSS, with one clear CLI line and a reason on the upload document.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { createDeflateRaw, crc32 } from 'node:zlib';
import { DatabaseSync } from 'node:sqlite';

export type Scale = 'small' | 'full';

export interface HostileCase {
  name: string;
  file: string;
  /** What must stop it: a limit name, or a phrase of the parse error. */
  expect: RegExp;
  what: string;
}

const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
const record = (extra: string, type = 'HKQuantityTypeIdentifierStepCount') =>
  `<Record type="${type}" sourceName="Watch" unit="count" startDate="2026-11-20 07:00:00 -0500" endDate="2026-11-20 07:10:00 -0500" value="10"${extra}/>\n`;

async function streamed(file: string, parts: () => Generator<string | Buffer>): Promise<void> {
  const out = createWriteStream(file);
  for (const p of parts()) if (!out.write(p)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** A zip of one deflated entry whose content is produced by `chunks` (streamed through deflate). */
async function deflatedZip(file: string, name: string, chunks: () => Generator<Buffer>): Promise<void> {
  const nameBuf = Buffer.from(name);
  const deflate = createDeflateRaw({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  let crc = 0;
  let size = 0;
  for (const c of chunks()) {
    crc = crc32(c, crc);
    size += c.length;
    if (!deflate.write(c)) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  const data = Buffer.concat(parts);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(Math.min(size, 0xffffffff), 22);
  local.writeUInt16LE(nameBuf.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(Math.min(size, 0xffffffff), 24);
  central.writeUInt16LE(nameBuf.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + nameBuf.length, 12);
  end.writeUInt32LE(30 + nameBuf.length + data.length, 16);
  await writeFile(file, Buffer.concat([local, nameBuf, data, central, nameBuf, end]));
}

/** A zip with `n` empty stored entries (a central directory of n records) and no export.xml. */
async function manyEntryZip(file: string, n: number): Promise<void> {
  const count = Math.min(n, 0xffff); // the end record's 16-bit count: larger counts need zip64
  await streamed(file, function* () {
    const centrals: Buffer[] = [];
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const nameBuf = Buffer.from(`workout-routes/route_${i}.gpx`);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(10, 4);
      local.writeUInt16LE(nameBuf.length, 26);
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(20, 4);
      central.writeUInt16LE(10, 6);
      central.writeUInt16LE(nameBuf.length, 28);
      central.writeUInt32LE(offset, 42);
      yield Buffer.concat([local, nameBuf]);
      centrals.push(central, nameBuf);
      offset += 30 + nameBuf.length;
    }
    const cd = Buffer.concat(centrals);
    yield cd;
    if (n > 0xffff) {
      // zip64 end record + locator so the true count is declared
      const z = Buffer.alloc(56);
      z.writeUInt32LE(0x06064b50, 0);
      z.writeBigUInt64LE(44n, 4);
      z.writeUInt16LE(45, 12);
      z.writeUInt16LE(45, 14);
      z.writeBigUInt64LE(BigInt(n), 24);
      z.writeBigUInt64LE(BigInt(n), 32);
      z.writeBigUInt64LE(BigInt(cd.length), 40);
      z.writeBigUInt64LE(BigInt(offset), 48);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(0x07064b50, 0);
      loc.writeBigUInt64LE(BigInt(offset + cd.length), 8);
      loc.writeUInt32LE(1, 16);
      yield Buffer.concat([z, loc]);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(n > 0xffff ? 0xffff : count, 8);
    end.writeUInt16LE(n > 0xffff ? 0xffff : count, 10);
    end.writeUInt32LE(n > 0xffff ? 0xffffffff : cd.length, 12);
    end.writeUInt32LE(n > 0xffff ? 0xffffffff : offset, 16);
    yield end;
  });
}

function agd(file: string, rows: [bigint, number][], epochcount: string): void {
  const db = new DatabaseSync(file);
  db.exec('CREATE TABLE settings (settingID INTEGER, settingName TEXT, settingValue TEXT)');
  db.exec('CREATE TABLE data (dataTimestamp INTEGER, axis1 INTEGER, axis2 INTEGER, axis3 INTEGER)');
  const s = db.prepare('INSERT INTO settings VALUES (?, ?, ?)');
  s.run(1, 'epochlength', '1');
  s.run(2, 'epochcount', epochcount);
  s.run(3, 'devicename', 'GT3XPlus');
  const d = db.prepare('INSERT INTO data VALUES (?, ?, 0, 0)');
  for (const [t, v] of rows) d.run(t, v);
  db.close();
}

/** Writes the corpus into `dir` and lists its cases. */
export async function writeHostileCorpus(dir: string, scale: Scale): Promise<HostileCase[]> {
  await mkdir(dir, { recursive: true });
  const full = scale === 'full';
  const at = (name: string) => path.join(dir, name);
  const cases: HostileCase[] = [];
  const add = (c: HostileCase) => void cases.push(c);

  // DTD entities: a 1 kB entity used 10^6 times (small: 20 000).
  {
    const file = at('entity-many.xml');
    const refs = full ? 1_000_000 : 20_000;
    await streamed(file, function* () {
      yield `${head}<!DOCTYPE HealthData [\n<!ENTITY e "${'x'.repeat(1000)}">\n]>\n<HealthData locale="en_US">\n`;
      for (let i = 0; i < refs; i++) yield record(` device="&e;"`);
      yield '</HealthData>\n';
    });
    add({
      name: 'entity-many',
      file,
      expect: /maxEntityExpansion/,
      what: `1 kB entity referenced ${refs} times`,
    });
  }
  // One 1 MB entity referenced hundreds of times in attributes (small: 300 kB x 100).
  {
    const file = at('entity-big.xml');
    const size = full ? 1 << 20 : 300 * 1024;
    const refs = full ? 500 : 100;
    await streamed(file, function* () {
      yield `${head}<!DOCTYPE HealthData [\n<!ENTITY big "${'y'.repeat(size)}">\n]>\n<HealthData locale="en_US">\n`;
      for (let i = 0; i < refs; i++) yield record(` device="&big;&big;&big;"`);
      yield '</HealthData>\n';
    });
    add({
      name: 'entity-big',
      file,
      expect: /maxDtdBytes|maxEntityExpansion|maxAttributeChars/,
      what: `${size} B entity x ${refs * 3}`,
    });
  }
  // Nested entities (billion laughs).
  {
    const file = at('entity-nested.xml');
    let dtd = '<!ENTITY l0 "lol">\n';
    for (let i = 1; i <= 9; i++) dtd += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">\n`;
    await writeFile(
      file,
      `${head}<!DOCTYPE HealthData [\n${dtd}]>\n<HealthData locale="en_US">\n${record(' device="&l9;"')}</HealthData>\n`,
    );
    add({
      name: 'entity-nested',
      file,
      expect: /nested entities are refused/,
      what: 'billion laughs, 10^9 expansion',
    });
  }
  // Nesting depth.
  {
    const file = at('deep.xml');
    const depth = full ? 1_000_000 : 10_000;
    await streamed(file, function* () {
      yield `${head}<HealthData locale="en_US">\n`;
      for (let i = 0; i < depth; i += 1000) yield '<a>'.repeat(Math.min(1000, depth - i));
      for (let i = 0; i < depth; i += 1000) yield '</a>'.repeat(Math.min(1000, depth - i));
      yield '</HealthData>\n';
    });
    add({ name: 'deep', file, expect: /maxDepth/, what: `${depth} nested elements` });
  }
  // One attribute value of 200 MB (small: 2 MB).
  {
    const file = at('huge-attribute.xml');
    const mb = full ? 200 : 2;
    await streamed(file, function* () {
      yield `${head}<HealthData locale="en_US">\n<Record type="HKQuantityTypeIdentifierStepCount" sourceName="`;
      const block = 'z'.repeat(1 << 20);
      for (let i = 0; i < mb; i++) yield block;
      yield '" value="1"/>\n</HealthData>\n';
    });
    add({
      name: 'huge-attribute',
      file,
      expect: /maxTagBytes|maxAttributeChars/,
      what: `${mb} MB attribute`,
    });
  }
  // Many attributes on one element.
  {
    const file = at('many-attributes.xml');
    const n = full ? 100_000 : 1_000;
    let attrs = '';
    for (let i = 0; i < n; i++) attrs += ` a${i}="1"`;
    await writeFile(file, `${head}<HealthData locale="en_US">\n${record(attrs)}</HealthData>\n`);
    add({ name: 'many-attributes', file, expect: /maxAttributes|maxTagBytes/, what: `${n} attributes` });
  }
  // Distinct record type names (they become document keys), and one over-long name.
  {
    const file = at('type-names.xml');
    const n = full ? 1_000_000 : 2_500;
    await streamed(file, function* () {
      yield `${head}<HealthData locale="en_US">\n`;
      for (let i = 0; i < n; i++) yield record('', `HKQuantityTypeIdentifierX${i}`);
      yield '</HealthData>\n';
    });
    add({ name: 'type-names', file, expect: /maxDistinctTypes/, what: `${n} distinct type names` });
    const long = at('type-name-long.xml');
    await writeFile(
      long,
      `${head}<HealthData locale="en_US">\n${record('', `HK${'Q'.repeat(full ? 60_000 : 1_000)}`)}</HealthData>\n`,
    );
    add({
      name: 'type-name-long',
      file: long,
      expect: /maxNameChars/,
      what: 'one type name of 1000+ characters',
    });
  }
  // Distinct metadata keys.
  {
    const file = at('metadata-keys.xml');
    const n = full ? 1_000_000 : 6_000;
    await streamed(file, function* () {
      yield `${head}<HealthData locale="en_US">\n`;
      for (let i = 0; i < n; i++)
        yield `<Record type="HKQuantityTypeIdentifierStepCount" sourceName="W" unit="count" startDate="2026-11-20 07:00:00 -0500" endDate="2026-11-20 07:10:00 -0500" value="1"><MetadataEntry key="k${i}" value="v"/></Record>\n`;
      yield '</HealthData>\n';
    });
    add({
      name: 'metadata-keys',
      file,
      expect: /maxDistinctMetadataKeys/,
      what: `${n} distinct metadata keys`,
    });
  }
  // Zip: many entries (each a central-directory record).
  {
    const file = at('many-entries.zip');
    const n = full ? 1_000_000 : 210_000;
    await manyEntryZip(file, n);
    add({ name: 'zip-entries', file, expect: /maxZipEntries/, what: `${n} entries` });
  }
  // Zip bomb: export.xml inflating 1000-fold (small 64 MB -> ~64 kB; full 4 GB declared size capped at 4 GiB-1).
  {
    const file = at('bomb.zip');
    const mb = full ? 2048 : 64;
    await deflatedZip(file, 'apple_health_export/export.xml', function* () {
      yield Buffer.from(`${head}<HealthData locale="en_US">\n`);
      const block = Buffer.alloc(1 << 20, 0x20);
      for (let i = 0; i < mb; i++) yield block;
      yield Buffer.from('</HealthData>\n');
    });
    add({ name: 'zip-bomb', file, expect: /maxCompressionRatio/, what: `${mb} MB of spaces, deflated` });
  }
  // Device files: two rows 20 years apart.
  {
    const csv = at('gap.csv');
    await writeFile(
      csv,
      'timestamp,axis1,axis2,axis3\n2000-01-01T00:00:00Z,1,0,0\n2020-01-01T00:00:00Z,2,0,0\n',
    );
    add({ name: 'csv-gap', file: csv, expect: /maxSpanDays/, what: 'ActiLife CSV, 2 rows 20 years apart' });
    const file = at('gap.agd');
    const tick = (iso: string) => BigInt(Date.parse(iso)) * 10_000n + 621_355_968_000_000_000n;
    agd(
      file,
      [
        [tick('2000-01-01T00:00:00Z'), 1],
        [tick('2020-01-01T00:00:00Z'), 2],
      ],
      '1000000000000',
    );
    add({
      name: 'agd-gap',
      file,
      expect: /maxSpanDays/,
      what: '.agd, 1-s epochs, 2 rows 20 years apart (630 M epochs)',
    });
    const fitbit = at('minuteStepsWide_gap.csv');
    const cols = Array.from({ length: 60 }, (_, i) => `Steps${String(i).padStart(2, '0')}`).join(',');
    const zeros = Array.from({ length: 60 }, () => '0').join(',');
    await writeFile(
      fitbit,
      `Id,ActivityHour,${cols}\n1,1/1/2000 12:00:00 AM,${zeros}\n1,1/1/2020 12:00:00 AM,${zeros}\n`,
    );
    add({
      name: 'fitbit-gap',
      file: fitbit,
      expect: /maxSpanDays/,
      what: 'Fitbit minute steps, 2 rows 20 years apart',
    });
  }
  // Huge line: a text device file without line breaks (full: 200 MB, under the trigger's 256 MiB staging
  // limit for device files, so that the line limit is what stops it there too).
  {
    const file = at('huge-line.csv');
    const mb = full ? 200 : 2;
    await streamed(file, function* () {
      yield 'timestamp,axis1,axis2,axis3\n2026-01-01T00:00:00Z,';
      const block = '1'.repeat(1 << 20);
      for (let i = 0; i < mb; i++) yield block;
    });
    add({ name: 'huge-line', file, expect: /maxLineChars/, what: `${mb} MB line` });
  }
  return cases;
}
