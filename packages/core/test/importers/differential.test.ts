import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isClarityError } from '../../src/errors.ts';
import { generateAppleExport } from '../../bench/generate-apple-export.ts';
import { seededRandom } from '../../src/util/seeded-random.ts';
import { fileChunks } from '../../src/importers/apple-health/file-chunks.ts';
import { readExportElements, type ExportElement } from '../../src/importers/apple-health/index.ts';
import { collect } from '../support/apple-health.ts';

/**
 * Differential tests: the fast scanner (mode 'auto', and 'fast' where the input stays on its subset) must
 * deliver exactly the element stream of the conforming parser (saxes), on adversarial documents that use
 * the XML freedoms Apple's writer never uses, cut into chunks of random sizes.
 */

type Rnd = () => number;
const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const valuePieces = [
  'plain',
  'A&amp;B',
  '&lt;&lt;HKDevice&gt;&gt;',
  '&quot;q&quot;',
  'it&apos;s',
  '&#233;t&#xE9;',
  '&#x1F600;',
  'Zoë’s Watch',
  '日本語',
  'tab\there',
  'nl\nthere',
  'crlf\r\nthere',
  'a>b',
  "a'b",
];

function ws(r: Rnd): string {
  return pick(r, [' ', ' ', ' ', '  ', '\n', '\t', '\r\n', ' \n  ']);
}

function attrText(r: Rnd, name: string, value: string): string {
  const single = r() < 0.3 && !value.includes("'");
  const q = single ? "'" : '"';
  const v = single ? value : value.replace(/"/g, '&quot;');
  const eq = r() < 0.15 ? `${ws(r)}=${ws(r)}` : '=';
  return `${name}${eq}${q}${v}${q}`;
}

function tag(r: Rnd, name: string, attrs: [string, string][], children: string[]): string {
  const order = [...attrs].sort(() => r() - 0.5);
  const head = `<${name}${order.map(([k, v]) => ws(r) + attrText(r, k, v)).join('')}${r() < 0.1 ? ws(r) : ''}`;
  if (children.length === 0 && r() < 0.8) return `${head}/>`;
  const sep = (): string =>
    (r() < 0.1 ? `<!-- c ${Math.floor(r() * 100)} -->` : '') +
    (r() < 0.05 ? '<![CDATA[ ]]>' : '') +
    (r() < 0.05 ? '<?pi data?>' : '') +
    pick(r, ['\n  ', '', ' ', '\t']);
  return `${head}>${children.map((c) => sep() + c).join('')}${sep()}</${name}${r() < 0.1 ? ' ' : ''}>`;
}

function value(r: Rnd): string {
  return Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, valuePieces)).join(' ');
}

const dates = [
  '2024-03-10 01:59:00 -0500',
  '2024-03-10 03:01:00 -0400',
  '2016-04-02 10:40:38 +0100',
  '2019-07-19 10:36:11 -0700',
];

function record(r: Rnd, nested = false): string {
  const type = pick(r, [
    'HKQuantityTypeIdentifierHeartRate',
    'HKQuantityTypeIdentifierStepCount',
    'HKCategoryTypeIdentifierSleepAnalysis',
    'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
    'HKQuantityTypeIdentifierBodyMass',
  ]);
  const attrs: [string, string][] = [
    ['type', type],
    ['sourceName', value(r)],
    ['unit', pick(r, ['count', 'count/min', 'ms', 'km'])],
    ['startDate', pick(r, dates)],
    ['endDate', pick(r, dates)],
    ['value', String(Math.floor(r() * 200))],
  ];
  if (r() < 0.5) attrs.push(['device', value(r)]);
  const children: string[] = [];
  for (let i = 0; i < Math.floor(r() * 3); i++)
    children.push(
      tag(
        r,
        'MetadataEntry',
        [
          ['key', value(r)],
          ['value', value(r)],
        ],
        [],
      ),
    );
  if (type.endsWith('SDNN') && r() < 0.7) {
    const beats = Array.from({ length: 1 + Math.floor(r() * 4) }, () =>
      tag(
        r,
        'InstantaneousBeatsPerMinute',
        [
          ['bpm', String(50 + Math.floor(r() * 40))],
          ['time', pick(r, ['8:21:21.71 PM', '20:21:21,71', '12:00:01.05 AM'])],
        ],
        [],
      ),
    );
    children.push(tag(r, 'HeartRateVariabilityMetadataList', [], beats));
  }
  if (!nested && r() < 0.05) children.push(tag(r, 'Unexpected', [['x', '1']], []));
  return tag(r, 'Record', attrs, children);
}

function element(r: Rnd): string {
  const k = r();
  if (k < 0.6) return record(r);
  if (k < 0.75) {
    const children = [
      tag(
        r,
        'MetadataEntry',
        [
          ['key', 'HKTimeZone'],
          ['value', 'Europe/London'],
        ],
        [],
      ),
      tag(
        r,
        'WorkoutEvent',
        [
          ['type', 'HKWorkoutEventTypePause'],
          ['date', pick(r, dates)],
        ],
        [],
      ),
      tag(
        r,
        'WorkoutStatistics',
        [
          ['type', 'HKQuantityTypeIdentifierDistanceWalkingRunning'],
          ['sum', '1.5'],
          ['unit', 'km'],
        ],
        [],
      ),
      tag(r, 'WorkoutRoute', [['sourceName', value(r)]], [tag(r, 'Location', [['latitude', '51.5']], [])]),
    ];
    return tag(
      r,
      'Workout',
      [
        ['workoutActivityType', 'HKWorkoutActivityTypeWalking'],
        ['sourceName', value(r)],
        ['startDate', pick(r, dates)],
        ['endDate', pick(r, dates)],
        ['duration', '12.5'],
        ['durationUnit', 'min'],
      ],
      children.filter(() => r() < 0.8),
    );
  }
  if (k < 0.85)
    return tag(
      r,
      'ActivitySummary',
      [
        ['dateComponents', '2016-04-14'],
        ['activeEnergyBurned', '700.698'],
        ['activeEnergyBurnedUnit', 'kcal'],
      ],
      [],
    );
  if (k < 0.95)
    return tag(
      r,
      'Correlation',
      [
        ['type', 'HKCorrelationTypeIdentifierBloodPressure'],
        ['sourceName', value(r)],
        ['startDate', pick(r, dates)],
        ['endDate', pick(r, dates)],
      ],
      [
        tag(
          r,
          'MetadataEntry',
          [
            ['key', 'k'],
            ['value', value(r)],
          ],
          [],
        ),
        record(r, true),
        record(r, true),
      ],
    );
  return tag(r, pick(r, ['ClinicalRecord', 'Audiogram']), [['type', 'x']], []);
}

/** Constructs outside the fast subset that are still well-formed: the scanner must switch to saxes. */
const leaving: ((r: Rnd) => string)[] = [
  () => 'stray text',
  () => '<ns:Thing xmlns:ns="urn:x" a="1"/>',
  () => '<Élément a="1"/>',
  () => '<![CDATA[ text with <Record type="X"/> inside ]]>',
  () =>
    '<Record type="HKQuantityTypeIdentifierStepCount" sourceName="s" startDate="2016-04-02 10:40:38 +0100" endDate="2016-04-02 10:40:38 +0100" value="1" __proto__="x"/>',
];

function document(seed: number, opts: { leave?: boolean; dtdEntity?: boolean }): string {
  const r = seededRandom(seed);
  const n = 20 + Math.floor(r() * 60);
  const els = Array.from({ length: n }, () => element(r));
  if (opts.leave) els.splice(Math.floor(r() * n), 0, pick(r, leaving)(r));
  let dtd = pick(r, [
    '',
    '<!DOCTYPE HealthData [\n<!-- HealthKit Export Version: 3 "quoted" don\'t -->\n<!ELEMENT HealthData (ExportDate,Me,(Record)*)>\n<!ATTLIST HealthData\n  locale CDATA #REQUIRED\n>\n]>\n',
    '<!DOCTYPE HealthData>\n',
  ]);
  if (opts.dtdEntity) {
    dtd = '<!DOCTYPE HealthData [\n<!ENTITY watch "My Watch">\n<!ELEMENT HealthData ANY>\n]>\n';
    els.push(
      '<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="&watch;" unit="count/min" startDate="2016-04-02 10:40:38 +0100" endDate="2016-04-02 10:40:38 +0100" value="60"/>',
    );
  }
  const decl = r() < 0.7 ? '<?xml version="1.0" encoding="UTF-8"?>\n' : '';
  const sep = (): string =>
    pick(r, ['\n ', '\n', '', '\r\n\t', ' <!-- between -->\n', '<?processing instruction?>']);
  return `${decl}${dtd}<HealthData locale="en_GB">${sep()}<ExportDate value="2016-04-15 07:27:26 +0100"/>${sep()}<Me a="1"/>${els.map((e) => sep() + e).join('')}${sep()}</HealthData>${pick(r, ['', '\n', '\n<!-- trailing -->\n'])}`;
}

async function compare(doc: string | Buffer, seed: number): Promise<{ mode: string; count: number }> {
  const r = seededRandom(seed ^ 0x5bd1e995);
  const conforming = await collect(doc, 'conforming', 1 + Math.floor(r() * 5000));
  expect(conforming.error, `seed ${seed}: saxes must accept the generated document`).toBeUndefined();
  const size = pick(r, [1, 2, 3, 17, 255, 4096, 1 + Math.floor(r() * 20000)]);
  const auto = await collect(doc, 'auto', size);
  expect(auto.error, `seed ${seed} chunk ${size}`).toBeUndefined();
  expect(auto.elements, `seed ${seed} chunk ${size}`).toEqual(conforming.elements);
  return { mode: auto.info.mode, count: auto.elements.length };
}

describe('fast path vs saxes (differential)', () => {
  it('identical streams on 60 adversarial documents within the fast subset (entities, comments, CDATA, PIs, quotes, whitespace, attribute order, UTF-8 split across chunks)', async () => {
    let elements = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const doc = document(seed, {});
      const { mode, count } = await compare(doc, seed);
      expect(mode, `seed ${seed}`).toBe('fast');
      elements += count;
      // Strict fast mode must agree too: these documents never leave the subset.
      const fast = await collect(doc, 'fast', 1 + (seed % 97));
      expect(fast.error).toBeUndefined();
      expect(fast.elements.length).toBe(count);
    }
    expect(elements).toBeGreaterThan(2000);
  });

  it('switches to saxes mid-file, deterministically, on constructs outside the subset (40 documents)', async () => {
    const reasons = new Set<string>();
    for (let seed = 101; seed <= 140; seed++) {
      const doc = document(seed, { leave: true });
      const { mode } = await compare(doc, seed);
      expect(mode, `seed ${seed}`).toBe('fast+conforming');
      const a = await collect(doc, 'auto', 3);
      const b = await collect(doc, 'auto', 1 << 20);
      expect(a.info.fallbackReason).toBe(b.info.fallbackReason);
      reasons.add(a.info.fallbackReason ?? '');
      const strict = await collect(doc, 'fast', 4096);
      expect(isClarityError(strict.error) && strict.error.code).toBe('parse_error');
    }
    expect(reasons.size).toBeGreaterThanOrEqual(4);
  });

  it('a DTD that declares entities moves the whole file to saxes, which expands them', async () => {
    for (let seed = 201; seed <= 210; seed++) {
      const doc = document(seed, { dtdEntity: true });
      const { mode } = await compare(doc, seed);
      expect(mode).toBe('fast+conforming');
      const { elements, info } = await collect(doc, 'auto', 100);
      expect(info.fallbackReason).toBe('the DTD declares entities');
      const last = elements.filter((e) => e.kind === 'Record').at(-1);
      expect(last?.kind === 'Record' && last.attrs.sourceName).toBe('My Watch');
    }
  });

  it('malformed documents: both front ends fail with parse_error after delivering the same elements', async () => {
    const base = document(7, {});
    const cut = base.indexOf('<Record', base.length / 2);
    const variants = [
      base.slice(0, cut) + '<Record type="a" b="1" b="2"/>' + base.slice(cut),
      base.slice(0, cut) + '<Record type="a"></Recrod>' + base.slice(cut),
      base.slice(0, cut) + '<Record type="a&bogus;"/>' + base.slice(cut),
      base.slice(0, cut) + '<Record type="a<"/>' + base.slice(cut),
      base.slice(0, cut) + '<Record type=a/>' + base.slice(cut),
      base.replace('</HealthData>', '</HealthData><Extra/>'),
      base.slice(0, Math.floor(base.length * 0.7)),
    ];
    for (const [i, doc] of variants.entries()) {
      const conforming = await collect(doc, 'conforming', 4096);
      for (const size of [1, 13, 4096]) {
        const auto = await collect(doc, 'auto', size);
        expect(isClarityError(conforming.error) && conforming.error.code, `variant ${i}`).toBe('parse_error');
        expect(isClarityError(auto.error) && auto.error.code, `variant ${i} chunk ${size}`).toBe(
          'parse_error',
        );
        expect(auto.elements, `variant ${i} chunk ${size}`).toEqual(conforming.elements);
      }
    }
  });

  it('identical streams on a 2 MB export from the benchmark generator', async () => {
    const doc = [...generateAppleExport({ targetBytes: 2e6, seed: 3 })].join('');
    const conforming = await collect(doc, 'conforming', 65_536);
    const fast = await collect(doc, 'fast', 65_521);
    expect(conforming.error).toBeUndefined();
    expect(fast.error).toBeUndefined();
    expect(fast.elements).toEqual(conforming.elements);
    expect(fast.elements.length).toBeGreaterThan(4000);
  });
});

/**
 * The scanner predicts names and recalls values from earlier tags (AttrSlot, elementName, the end-tag
 * shortcut) and scans 64 KiB windows that are views of the chunk: documents built to trip each of those
 * must still read exactly as saxes reads them, at every chunk size.
 */
describe('fast path specialisations vs saxes', () => {
  const wrap = (body: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n${body}</HealthData>\n`;
  const sizes = [1, 2, 7, 64, 4096, 65_535, 65_536, 65_537, 1 << 20];

  async function same(doc: string, leaves: boolean, chunkSizes = sizes): Promise<ExportElement[]> {
    const conforming = await collect(doc, 'conforming', 4096);
    for (const size of chunkSizes) {
      const auto = await collect(doc, 'auto', size);
      expect(auto.error?.message, `chunk ${size}`).toBe(conforming.error?.message);
      expect(auto.elements, `chunk ${size}`).toEqual(conforming.elements);
      expect(auto.info.mode, `chunk ${size}`).toBe(leaves ? 'fast+conforming' : 'fast');
    }
    return conforming.elements;
  }

  it('recalled values: prefixes and extensions of the previous value, the other quote, entities, UTF-8, five values in turn', async () => {
    const values = [
      'Jane’s Watch',
      'Jane’s Watc',
      'Jane’s Watchh',
      '&lt;&lt;HKDevice: 0x1&gt;, name:Watch&gt;',
      '&lt;&lt;HKDevice: 0x2&gt;, name:Watch&gt;',
      '&lt;&lt;HKDevice: 0x1&gt;, name:Watch&gt;',
      'Zoë&#39;s &#x1F600; phone',
      'a\tb\r\nc',
      'x'.repeat(40) + '’',
      'x'.repeat(40) + '‘',
      '',
    ];
    const recs: string[] = [];
    for (let i = 0; i < 200; i++) {
      const v = values[(i * 7) % values.length] as string;
      const quote = i % 5 === 0 ? "'" : '"';
      const text = quote === "'" ? v.replace(/'/g, '&apos;') : v;
      recs.push(
        ` <Record type="HKQuantityTypeIdentifierHeartRate" sourceName=${quote}${text}${quote} device=${quote}${text}${quote} unit="count/min" startDate="2024-03-10 01:59:00 -0500" endDate="2024-03-10 01:59:00 -0500" value="${60 + (i % 3)}"/>\n`,
      );
    }
    const elements = await same(wrap(recs.join('')), false);
    const sources = new Set(elements.map((e) => (e.kind === 'Record' ? e.attrs.sourceName : '')));
    expect(sources.size).toBeGreaterThan(values.length - 2);
  });

  it('predicted names: attribute orders that change, names that extend one another, similar element names', async () => {
    const body: string[] = [];
    for (let i = 0; i < 120; i++) {
      const attrs = [
        `type="T${i % 3}"`,
        `sourceName="S"`,
        `unit="u"`,
        `units="us"`,
        `u="x"`,
        `startDate="d${i}"`,
      ];
      const order = attrs.filter((_, k) => (i + k) % 4 !== 0 || k === 0);
      if (i % 7 === 0) order.reverse();
      const name = ['Record', 'Records', 'RecordX', 'Rec'][i % 4] as string;
      body.push(` <${name} ${order.join(i % 3 === 0 ? '\r\n\t' : ' ')}${i % 5 === 0 ? ' ' : ''}/>\n`);
      if (i % 11 === 0) body.push(` <Record type="q">\n  <MetadataEntry key="k" value="v"/>\n </Record >\n`);
    }
    await same(wrap(body.join('')), false);
  });

  it('duplicates through slots, names on Object.prototype, and the bounds on remembered names all leave or read like saxes', async () => {
    const dupSame = wrap(' <Record type="a" unit="u"/>\n <Record type="a" unit="u" type="a"/>\n');
    await same(dupSame, true);
    const dupSpaced = wrap(' <Record type="a"/>\n <Record type="a" type = "a"/>\n');
    await same(dupSpaced, true);
    await same(wrap(' <Record type="a" toString="x"/>\n'), true);
    const manyAttrs = Array.from({ length: 80 }, (_, k) => `a${k}="${k}"`).join(' ');
    const manyNames = Array.from({ length: 80 }, (_, k) => ` <E${k} x="${k}" y="${k}"/>\n`).join('');
    await same(wrap(` <Record ${manyAttrs}/>\n <Record ${manyAttrs}/>\n${manyNames}${manyNames}`), false);
    await same(wrap(' <Record type="a"></Recordx>\n'), true);
  });

  it('elements split across 64 KiB windows and chunks, and one element larger than a window', async () => {
    const big = Array.from({ length: 3000 }, (_, k) => `  <MetadataEntry key="k${k}" value="v${k}"/>\n`).join(
      '',
    );
    const doc = [...generateAppleExport({ targetBytes: 300_000, seed: 9 })]
      .join('')
      .replace(
        '</HealthData>',
        ` <Record type="HKQuantityTypeIdentifierStepCount" value="1">\n${big} </Record>\n</HealthData>`,
      );
    expect(doc.length).toBeGreaterThan(400_000);
    await same(doc, false, [13, 4096, 65_535, 65_536, 65_537, 1 << 20]);
  });

  it('a source that reuses its buffer (fileChunks) reads like fresh chunks', async () => {
    const doc = [...generateAppleExport({ targetBytes: 500_000, seed: 4 })].join('');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'clarity-fast-')), 'export.xml');
    writeFileSync(file, doc);
    const fresh = await collect(doc, 'fast', 10_000);
    for (const size of [1000, 65_536, 100_003]) {
      const elements: ExportElement[] = [];
      for await (const batch of readExportElements(fileChunks(file, size), { parser: 'fast' }))
        elements.push(...batch);
      expect(elements, `chunk ${size}`).toEqual(fresh.elements);
    }
  });
});
