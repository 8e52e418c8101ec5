/**
 * The documented table of HealthKit types (packages/core/README-healthkit-types.md), generated from the
 * health-types table so the two cannot drift: `clarity types` prints it, a test compares it with the file.
 */
import { categoryTypes, correlationTypes, quantityTypes } from './health-types.ts';

const cell = (s: string): string => s.replaceAll('|', '\\|');

function fmt(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const p = Number(n.toPrecision(10));
  return String(p);
}

export function healthKitTypeTable(): string {
  const lines: string[] = [];
  lines.push(
    `### Quantity types (${Object.keys(quantityTypes).length})`,
    '',
    '| identifier | metric | canonical unit | accepted units (× factor to canonical) | plausible range | aggregation |',
    '|---|---|---|---|---|---|',
  );
  for (const [id, spec] of Object.entries(quantityTypes).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const units = Object.entries(spec.units)
      .map(([u, f]) => {
        const off = spec.offsets?.[u];
        return off === undefined
          ? `\`${u}\` ×${fmt(f)}`
          : `\`${u}\` ×${fmt(f)} ${off < 0 ? '−' : '+'}${fmt(Math.abs(off))}`;
      })
      .join(', ');
    lines.push(
      `| ${id} | ${spec.metric} | \`${cell(spec.canonicalUnit)}\` | ${cell(units)} | ${fmt(spec.range[0])} – ${fmt(spec.range[1])} | ${spec.aggregation} |`,
    );
  }
  lines.push(
    '',
    `### Category types (${Object.keys(categoryTypes).length})`,
    '',
    '| identifier | metric | values (raw value) |',
    '|---|---|---|',
  );
  for (const [id, spec] of Object.entries(categoryTypes).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const values =
      spec.values === undefined
        ? 'inBed (0), asleepUnspecified (1), awake (2), asleepCore (3), asleepDeep (4), asleepREM (5)'
        : Object.entries(spec.values)
            .map(([n, r]) => `${n} (${r})`)
            .join(', ');
    lines.push(`| ${id} | ${spec.metric} | ${values} |`);
  }
  lines.push(
    '',
    `### Correlation types (${Object.keys(correlationTypes).length})`,
    '',
    '| identifier | stored as its component samples |',
    '|---|---|',
  );
  for (const [id, spec] of Object.entries(correlationTypes)) {
    lines.push(`| ${id} | ${spec.components.join(', ')} |`);
  }
  return lines.join('\n') + '\n';
}
