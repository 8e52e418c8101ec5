/**
 * One measurement of the import benchmark, run in its own process so that its peak RSS is ours alone.
 * Usage: node import-child.ts parse|conforming|import FILE
 *   parse       the fast XML path, counting Record elements (the work of the Python baseline)
 *   conforming  saxes for the whole file, counting Record elements
 *   import      the full importer: parse, validate and canonicalise every record, sample ids, duplicate
 *               detection, batches of 500 to a sink that drops them
 * Prints one JSON line: records, seconds (in-process wall), cpuSeconds (user + system since process start), peakRssMB.
 *
 * The driver (import.ts) runs this file as an esbuild bundle, the form in which the functions deploy the
 * importer; each mode loads only the modules it uses (the parse modes do not load zod or the mapping).
 */
const [mode, file] = process.argv.slice(2);
if ((mode !== 'parse' && mode !== 'conforming' && mode !== 'import') || file === undefined) {
  console.error('usage: node import-child.ts parse|conforming|import FILE');
  process.exit(2);
}
const t0 = performance.now();
let records = 0;
if (mode === 'import') {
  const { importAppleHealthFile } = await import('../src/importers/apple-health/importer.ts');
  const summary = await importAppleHealthFile(file, { uid: 'bench', onBatch: () => undefined });
  if (summary.status !== 'ingested')
    throw new Error(`import ended ${summary.status}: ${summary.error?.message ?? ''}`);
  records = summary.records;
} else {
  const { readExportElements } = await import('../src/importers/apple-health/xml-stream.ts');
  const { fileChunks } = await import('../src/importers/apple-health/file-chunks.ts');
  for await (const batch of readExportElements(fileChunks(file), {
    parser: mode === 'parse' ? 'fast' : 'conforming',
  })) {
    for (const e of batch) if (e.kind === 'Record') records++;
  }
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    records,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
