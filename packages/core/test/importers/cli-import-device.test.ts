/**
 * `clarity import` on device files: the same classification, reader and minute conversion as the Storage
 * trigger, reported per stream (key, metric, epochs, minutes an upload would store).
 */
import { createReadStream } from 'node:fs';
import { runCliCaptured } from '../support/run-cli.ts';
import { describe, expect, it } from 'vitest';
import { readAgdFile } from '../../src/readers/agd.ts';
import { readFitbitMinuteStepsWide } from '../../src/readers/fitbit.ts';
import { sharedData } from '../support/shared-data.ts';

const cli = (args: string[]) => runCliCaptured(args);

describe('clarity import (device files)', () => {
  it('an .agd reports its activity_counts stream and the minutes an upload stores', async () => {
    const file = sharedData('actigraphy', 'actilife_gt3xplus', 'GT3XPlus-RawData-Day01.agd');
    const { series } = await readAgdFile(file);
    const r = await cli(['import', file, '--json', '--timezone', 'Europe/Paris']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      format: 'agd',
      timezone: 'Europe/Paris',
      epochs: series.values.length,
      streams: [
        {
          key: 'agd.axis1',
          metric: 'activity_counts',
          epochSeconds: 10,
          minutes: Math.floor(series.values.length / 6),
          incompleteEpochs: series.values.length % 6,
        },
      ],
    });
  });

  it('a Fitbit minute file lists its participants, or converts the one named by --subject to steps', async () => {
    const file = sharedData('fitbit_fitabase', 'minuteStepsWide_merged.csv');
    const all = await cli(['import', file, '--json']);
    expect(all.code).toBe(0);
    expect((JSON.parse(all.out) as { users: unknown[] }).users).toHaveLength(33);
    const users = (await readFitbitMinuteStepsWide(createReadStream(file))).users;
    const one = users[3]!;
    let present = 0;
    for (const m of one.series.missing) if (!m) present++;
    const r = await cli(['import', file, '--json', '--subject', one.id]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      subject: { id: one.id, of: 33 },
      streams: [{ key: 'fitbit_minute_steps.steps', metric: 'steps', source: 'fitbit', minutes: present }],
    });
    const bad = await cli(['import', file, '--subject', 'nobody']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/not in the file's Id column/);
  });
});
