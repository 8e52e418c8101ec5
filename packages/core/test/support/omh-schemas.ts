/**
 * Open mHealth JSON schemas, written here from their published definitions (the openmhealth/schemas
 * repository, namespace omh: data-point-1.0, header-1.2, schema-id-1.0, date-time-1.0, time-frame-1.0,
 * time-interval-1.0, unit-value-1.0, duration-unit-value-1.0, kcal-unit-value-1.0, length-unit-value-1.0,
 * descriptive-statistic-1.0, heart-rate-2.0, step-count-3.0, sleep-episode-1.1, physical-activity-1.2): no
 * npm package ships them. Each keeps the published required properties, types and unit enums; `date-time`
 * (published as JSON Schema format "date-time") is an RFC 3339 pattern here, and the time interval's
 * date + part-of-day form is left out (the exporter never writes it).
 */
import { Ajv, type ValidateFunction } from 'ajv';

const dateTime = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
};
const unitValue = {
  type: 'object',
  properties: { value: { type: 'number' }, unit: { type: 'string' } },
  required: ['value', 'unit'],
};
const unitValueIn = (units: string[]): object => ({
  allOf: [unitValue, { properties: { unit: { enum: units } } }],
});
const durationUnitValue = unitValueIn(['ps', 'ns', 'us', 'ms', 'sec', 'min', 'h', 'd', 'wk', 'Mo', 'yr']);
const timeInterval = {
  type: 'object',
  oneOf: [
    {
      properties: { start_date_time: dateTime, duration: durationUnitValue },
      required: ['start_date_time', 'duration'],
    },
    {
      properties: { end_date_time: dateTime, duration: durationUnitValue },
      required: ['end_date_time', 'duration'],
    },
    {
      properties: { start_date_time: dateTime, end_date_time: dateTime },
      required: ['start_date_time', 'end_date_time'],
    },
  ],
};
const timeFrame = {
  type: 'object',
  oneOf: [
    { properties: { date_time: dateTime }, required: ['date_time'] },
    { properties: { time_interval: timeInterval }, required: ['time_interval'] },
  ],
};
const intervalOnly = { allOf: [timeFrame, { required: ['time_interval'] }] };
const descriptiveStatistic = {
  type: 'string',
  enum: ['average', 'maximum', 'minimum', 'standard deviation', 'variance', 'sum', 'median'],
};

const header = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    creation_date_time: dateTime,
    schema_id: {
      type: 'object',
      properties: { namespace: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' } },
      required: ['namespace', 'name', 'version'],
    },
    acquisition_provenance: {
      type: 'object',
      properties: {
        source_name: { type: 'string' },
        source_creation_date_time: dateTime,
        modality: { type: 'string', enum: ['sensed', 'self-reported'] },
      },
      required: ['source_name'],
    },
    user_id: { type: 'string' },
  },
  required: ['id', 'creation_date_time', 'schema_id'],
};

export const omhDataPointSchema = {
  type: 'object',
  properties: { header, body: { type: 'object' } },
  required: ['header', 'body'],
};

/** Body schemas by `name:version`. */
export const omhBodySchemas: Record<string, object> = {
  'heart-rate:2.0': {
    type: 'object',
    properties: {
      heart_rate: unitValueIn(['beats/min']),
      effective_time_frame: timeFrame,
      descriptive_statistic: descriptiveStatistic,
    },
    required: ['heart_rate', 'effective_time_frame'],
  },
  'step-count:3.0': {
    type: 'object',
    properties: {
      step_count: unitValueIn(['steps']),
      effective_time_frame: intervalOnly,
      descriptive_statistic: descriptiveStatistic,
    },
    required: ['step_count', 'effective_time_frame'],
  },
  'sleep-episode:1.1': {
    type: 'object',
    properties: {
      latency_to_sleep_onset: durationUnitValue,
      latency_to_arising: durationUnitValue,
      total_sleep_time: durationUnitValue,
      wake_after_sleep_onset: durationUnitValue,
      number_of_awakenings: { type: 'integer' },
      is_main_sleep: { type: 'boolean' },
      effective_time_frame: intervalOnly,
      sleep_maintenance_efficiency_percentage: unitValueIn(['%']),
    },
    required: ['effective_time_frame'],
  },
  'physical-activity:1.2': {
    type: 'object',
    properties: {
      activity_name: { type: 'string' },
      effective_time_frame: timeFrame,
      distance: unitValueIn(['fm', 'pm', 'nm', 'um', 'mm', 'cm', 'm', 'km', 'in', 'ft', 'yd', 'mi']),
      kcal_burned: unitValueIn(['kcal']),
      reported_activity_intensity: { type: 'string', enum: ['light', 'moderate', 'vigorous'] },
      met_value: { type: 'number' },
    },
    required: ['activity_name'],
  },
};

let validators: { point: ValidateFunction; bodies: Map<string, ValidateFunction> } | undefined;

/** Errors of one OMH data point against the data-point schema and its body's schema; [] when valid. */
export function omhErrors(point: unknown): string[] {
  if (!validators) {
    const ajv = new Ajv({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
    validators = {
      point: ajv.compile(omhDataPointSchema),
      bodies: new Map(Object.entries(omhBodySchemas).map(([k, s]) => [k, ajv.compile(s)])),
    };
  }
  const fmt = (v: ValidateFunction): string[] =>
    (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? 'invalid'}`);
  if (!validators.point(point)) return fmt(validators.point);
  const p = point as {
    header: { schema_id: { namespace: string; name: string; version: string } };
    body: unknown;
  };
  const id = p.header.schema_id;
  const body = id.namespace === 'omh' ? validators.bodies.get(`${id.name}:${id.version}`) : undefined;
  if (!body) return [`no schema for ${id.namespace}:${id.name}:${id.version}`];
  return body(p.body) ? [] : fmt(body);
}
