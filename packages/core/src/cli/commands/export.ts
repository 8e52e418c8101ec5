import path from 'node:path';
import { ClarityError } from '../../errors.ts';
import { isValidTimeZone } from '../../contracts/time.ts';
import { fhirBundle, fhirResources } from '../../interop/fhir.ts';
import { exportInputFromFile } from '../../importers/file-export-input.ts';
import { omhNdjson, omhRecords } from '../../interop/omh.ts';
import type { CliCommand } from '../command.ts';
import { requireFile } from '../input.ts';

const help = `Usage: clarity export FILE --format fhir|omh [--subject ID] [--timezone ZONE]

Converts a health-data file into a FHIR R4 Bundle (JSON, type collection) or Open mHealth data points
(NDJSON, one per line) on stdout, through the same readers as an upload and the same mapping as the API.
FILE: Apple Health export.xml / export.zip, Actiwatch .AWD, ActiGraph .agd, ActiLife .csv, NN-interval text,
Fitbit minuteStepsWide / hourlySteps / dailySteps CSV. Codes and units: packages/core/README-interop.md.

FHIR: Patient, one Device per source, an Observation per sample (LOINC where it has the measure, the
HealthKit identifier always, UCUM units), one-minute device data as one SampledData Observation per day,
daily totals and sleep episodes, analysis results (sleep periods, IS/IV/RA, SDNN/RMSSD) citing their
algorithm and parameters, and a Provenance for the file.
Open mHealth: omh:heart-rate:2.0, omh:step-count:3.0, omh:sleep-episode:1.1, omh:physical-activity:1.2.

Options:
  --format F        fhir or omh (required)
  --subject ID      the Patient / user id; for a Fitbit file, the participant Id to convert (required when the
                    file holds several)
  --timezone ZONE   IANA zone device clocks and days are placed in (default UTC)
  -h, --help        this help

Example: clarity export example_01.AWD --format fhir > example_01.fhir.json
`;

export const command: CliCommand = {
  name: 'export',
  summary: 'convert a health-data file into a FHIR R4 Bundle or Open mHealth NDJSON',
  help,
  options: {
    format: { type: 'string' },
    subject: { type: 'string' },
    timezone: { type: 'string' },
  },
  async run({ positionals, values, io }) {
    const file = requireFile(positionals, 'export');
    const format = values.format;
    if (format !== 'fhir' && format !== 'omh')
      throw new ClarityError('invalid_argument', '--format must be fhir or omh');
    const subject = values.subject;
    if (subject !== undefined && (typeof subject !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(subject)))
      throw new ClarityError(
        'invalid_argument',
        '--subject must be an id of letters, digits, - and _ (at most 64)',
      );
    const tz = values.timezone;
    if (tz !== undefined && (typeof tz !== 'string' || !isValidTimeZone(tz)))
      throw new ClarityError('invalid_argument', '--timezone must be an IANA zone name, e.g. Europe/London');
    const input = await exportInputFromFile(file, {
      ...(typeof subject === 'string' ? { subject } : {}),
      ...(typeof tz === 'string' ? { timezone: tz } : {}),
    });
    if (format === 'omh') {
      io.stdout(omhNdjson(omhRecords(input)));
      return;
    }
    const bundle = fhirBundle(fhirResources(input), {
      type: 'collection',
      base: `urn:clarity-loop:export:${path.basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}`,
      timestampMs: input.generatedMs,
    });
    io.stdout(`${JSON.stringify(bundle)}\n`);
  },
};
