/**
 * Renders definitions.ts into Terraform JSON (`*.tf.json`, which terraform reads as it reads HCL) and the
 * dashboard JSON. Pure: the same definitions give byte-identical files (generate.ts writes them, the test
 * compares). Terraform JSON syntax is chosen over HCL so that nothing here needs `terraform fmt`: JSON has
 * one canonical layout (the project's prettier), and the structure is checked against provider-schema.ts.
 */
import type { OpsMetric } from '../../functions/src/platform/ops-metrics.ts';
import {
  burnRateAlerts,
  inferencePrometheus,
  llmPricePerMillionTokens,
  metricAlerts,
  opsMetrics,
  rollingPeriodDays,
  services,
  slos,
  type BurnRateAlert,
  type MetricAlert,
  type Slo,
} from './definitions.ts';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

/** A Terraform resource name from an id (letters, digits, underscores). */
export const tfName = (id: string): string => id.replace(/[^a-zA-Z0-9_]/g, '_');
const cloudRun = 'resource.type="cloud_run_revision"';
const logMetricType = (m: OpsMetric): string => `logging.googleapis.com/user/${m.name}`;

export function windowSeconds(w: string): number {
  const m = /^(\d+)([mhd])$/.exec(w);
  if (!m) throw new Error(`bad window ${w}`);
  return Number(m[1]) * { m: 60, h: 3_600, d: 86_400 }[m[2] as 'm' | 'h' | 'd'];
}

/** The `terraform` block every module here shares: provider pin and a GCS state backend. */
export function terraformBlock(): Obj {
  return {
    required_version: '>= 1.5.0',
    required_providers: { google: { source: 'hashicorp/google', version: '>= 6.0.0, < 8.0.0' } },
    // State in a GCS bucket: terraform init -backend-config=bucket=... -backend-config=prefix=<module>
    backend: { gcs: {} },
  };
}

export function main(): Obj {
  return {
    terraform: terraformBlock(),
    variable: {
      project_id: { type: 'string', description: 'The Google Cloud project (Firebase project) to monitor.' },
      notification_channels_page: {
        type: 'list(string)',
        default: [],
        description: 'Notification channel ids (projects/P/notificationChannels/N) for page-severity alerts.',
      },
      notification_channels_ticket: {
        type: 'list(string)',
        default: [],
        description: 'Notification channel ids for ticket-severity alerts.',
      },
    },
    provider: { google: { project: '${var.project_id}' } },
  };
}

function logMetric(m: OpsMetric): Obj {
  const labels = Object.entries(m.labels);
  const descriptor: Obj = {
    metric_kind: 'DELTA',
    value_type: m.kind === 'distribution' ? 'DISTRIBUTION' : 'INT64',
    unit: m.unit,
    display_name: m.name,
    labels: labels.map(([key]) => ({
      key,
      value_type: 'STRING',
      description: `jsonPayload.${m.labels[key]}`,
    })),
  };
  return {
    name: m.name,
    description: m.description + (m.pending ? ` (Not emitted yet: ${m.pending}.)` : ''),
    filter: `${cloudRun} AND (${m.filter})`,
    metric_descriptor: descriptor,
    label_extractors: Object.fromEntries(
      labels.map(([key, field]) => [key, `EXTRACT(jsonPayload.${field})`]),
    ),
    ...(m.kind === 'distribution'
      ? {
          value_extractor: `EXTRACT(jsonPayload.${m.valueField ?? ''})`,
          bucket_options: { explicit_buckets: { bounds: [...(m.buckets ?? [])] } },
        }
      : {}),
  };
}

export function metrics(): Obj {
  const all: OpsMetric[] = Object.values(opsMetrics);
  return {
    resource: {
      google_logging_metric: Object.fromEntries(all.map((m) => [tfName(m.name), logMetric(m)])),
    },
  };
}

function sliFilter(sli: Slo['sli']): Obj {
  switch (sli.kind) {
    case 'availability': {
      const total = `metric.type="run.googleapis.com/request_count" AND ${cloudRun} AND resource.label.service_name="${sli.cloudRunService}"`;
      return {
        request_based_sli: {
          good_total_ratio: {
            bad_service_filter: `${total} AND metric.label.response_code_class="5xx"`,
            total_service_filter: total,
          },
        },
      };
    }
    case 'latency':
      return {
        request_based_sli: {
          distribution_cut: {
            distribution_filter: `metric.type="run.googleapis.com/request_latencies" AND ${cloudRun} AND resource.label.service_name="${sli.cloudRunService}"`,
            range: { max: sli.thresholdMs },
          },
        },
      };
    case 'log-distribution':
      return {
        request_based_sli: {
          distribution_cut: {
            distribution_filter: `metric.type="${logMetricType(opsMetrics[sli.metric])}" AND ${cloudRun}`,
            range: { max: sli.thresholdMs },
          },
        },
      };
  }
}

export function sloResources(): Obj {
  return {
    resource: {
      google_monitoring_custom_service: Object.fromEntries(
        Object.values(services).map((s) => [
          tfName(s.serviceId),
          { service_id: s.serviceId, display_name: s.displayName },
        ]),
      ),
      google_monitoring_slo: Object.fromEntries(
        slos.map((s: Slo) => [
          tfName(s.id),
          {
            service: `\${google_monitoring_custom_service.${tfName(services[s.service].serviceId)}.service_id}`,
            slo_id: s.id,
            display_name: s.displayName,
            goal: s.goal,
            rolling_period_days: rollingPeriodDays,
            ...sliFilter(s.sli),
            ...(s.sli.kind === 'log-distribution'
              ? { depends_on: [`google_logging_metric.${tfName(opsMetrics[s.sli.metric].name)}`] }
              : {}),
          },
        ]),
      ),
    },
  };
}

const channels = (severity: 'page' | 'ticket'): string => `\${var.notification_channels_${severity}}`;
const severityLevel = { page: 'CRITICAL', ticket: 'WARNING' } as const;

function burnRatePolicy(s: Slo, a: BurnRateAlert): Obj {
  const sloName = `\${google_monitoring_slo.${tfName(s.id)}.name}`;
  const condition = (w: string): Obj => ({
    display_name: `${s.id} burn rate over ${w} above ${a.burnRate}`,
    condition_threshold: {
      filter: `select_slo_burn_rate("${sloName}", "${windowSeconds(w)}s")`,
      comparison: 'COMPARISON_GT',
      threshold_value: a.burnRate,
      duration: '0s',
    },
  });
  return {
    display_name: `SLO ${s.displayName}: burning ${a.burnRate}x over ${a.longWindow} (${a.severity})`,
    combiner: 'AND',
    severity: severityLevel[a.severity],
    conditions: [condition(a.longWindow), condition(a.shortWindow)],
    notification_channels: channels(a.severity),
    alert_strategy: { auto_close: `${windowSeconds(a.longWindow)}s` },
    user_labels: { slo: s.id, severity: a.severity },
    documentation: {
      mime_type: 'text/markdown',
      content: [
        `The error budget of **${s.displayName}** (goal ${s.goal}, ${rollingPeriodDays} days) is burning ${a.burnRate}x`,
        `faster than sustainable over both ${a.longWindow} and ${a.shortWindow}: ${a.budgetSpent * 100} % of the`,
        `period's budget is gone in ${a.longWindow}. Why the target: ${s.rationale}`,
        'Runbook: deploy/README.md, "When an SLO alert fires".',
      ].join('\n'),
    },
  };
}

function metricPolicy(a: MetricAlert): Obj {
  const m: OpsMetric = opsMetrics[a.metric];
  const where = Object.entries(a.where ?? {})
    .map(([k, v]) => ` AND metric.label.${k}="${v}"`)
    .join('');
  const period = `${a.windowSeconds}s`;
  return {
    display_name: a.displayName,
    combiner: 'OR',
    severity: severityLevel[a.severity],
    conditions: [
      {
        display_name: `${m.name} ${a.aggregate} over ${period} above ${a.above}`,
        condition_threshold: {
          filter: `metric.type="${logMetricType(m)}" AND ${cloudRun}${where}`,
          comparison: 'COMPARISON_GT',
          threshold_value: a.above,
          duration: '0s',
          aggregations: [
            a.aggregate === 'sum'
              ? {
                  alignment_period: period,
                  per_series_aligner: 'ALIGN_SUM',
                  cross_series_reducer: 'REDUCE_SUM',
                }
              : {
                  alignment_period: period,
                  per_series_aligner: 'ALIGN_DELTA',
                  cross_series_reducer: 'REDUCE_PERCENTILE_99',
                },
          ],
          trigger: { count: 1 },
        },
      },
    ],
    notification_channels: channels(a.severity),
    alert_strategy: { auto_close: '3600s' },
    user_labels: { metric: m.name, severity: a.severity },
    documentation: { mime_type: 'text/markdown', content: `${m.description}\n\nRunbook: ${a.runbook}` },
    depends_on: [`google_logging_metric.${tfName(m.name)}`],
  };
}

export function alerts(): Obj {
  const policies: [string, Obj][] = [];
  for (const s of slos) {
    for (const a of burnRateAlerts)
      policies.push([tfName(`slo_${s.id}_${a.longWindow}`), burnRatePolicy(s, a)]);
  }
  for (const a of metricAlerts) policies.push([tfName(`metric_${a.id}`), metricPolicy(a)]);
  return { resource: { google_monitoring_alert_policy: Object.fromEntries(policies) } };
}

export function dashboardResource(): Obj {
  return {
    resource: {
      google_monitoring_dashboard: {
        clarity: { dashboard_json: '${file("${path.module}/dashboard.json")}' },
      },
    },
  };
}

interface Chart {
  title: string;
  filter: string;
  aligner: string;
  reducer: string;
  groupBy?: string[];
}

export function dashboard(): Obj {
  const run = (svc: string): string => `${cloudRun} AND resource.label.service_name="${svc}"`;
  const charts: Chart[] = [];
  for (const svc of [services.api.cloudRunService, services.inference.cloudRunService]) {
    charts.push(
      {
        title: `${svc}: requests/s by response class`,
        filter: `metric.type="run.googleapis.com/request_count" AND ${run(svc)}`,
        aligner: 'ALIGN_RATE',
        reducer: 'REDUCE_SUM',
        groupBy: ['metric.label.response_code_class'],
      },
      {
        title: `${svc}: latency p99 (SLO ${svc === 'api' ? '1 s' : '2 s'})`,
        filter: `metric.type="run.googleapis.com/request_latencies" AND ${run(svc)}`,
        aligner: 'ALIGN_DELTA',
        reducer: 'REDUCE_PERCENTILE_99',
      },
    );
  }
  for (const m of Object.values(opsMetrics) as OpsMetric[]) {
    const priced =
      m.name === 'llm_prompt_tokens'
        ? ` (USD ${llmPricePerMillionTokens.prompt} per 1M)`
        : m.name === 'llm_output_tokens'
          ? ` (USD ${llmPricePerMillionTokens.output} per 1M)`
          : '';
    charts.push({
      title: `${m.name}${m.kind === 'distribution' ? ' p99' : ' per minute'}${priced}`,
      filter: `metric.type="${logMetricType(m)}" AND ${cloudRun}`,
      aligner: m.kind === 'distribution' ? 'ALIGN_DELTA' : 'ALIGN_SUM',
      reducer: m.kind === 'distribution' ? 'REDUCE_PERCENTILE_99' : 'REDUCE_SUM',
      ...(m.kind === 'counter' ? { groupBy: Object.keys(m.labels).map((k) => `metric.label.${k}`) } : {}),
    });
  }
  charts.push(
    {
      title: 'inference-run batch size p50',
      filter: `metric.type="prometheus.googleapis.com/${inferencePrometheus.batchSize}/histogram" AND resource.type="prometheus_target"`,
      aligner: 'ALIGN_DELTA',
      reducer: 'REDUCE_PERCENTILE_50',
    },
    {
      title: 'inference-run queue depth',
      filter: `metric.type="prometheus.googleapis.com/${inferencePrometheus.queueDepth}/gauge" AND resource.type="prometheus_target"`,
      aligner: 'ALIGN_MAX',
      reducer: 'REDUCE_MAX',
    },
  );
  const width = 24;
  const height = 16;
  return {
    displayName: 'Clarity Loop: SLIs and pipeline',
    mosaicLayout: {
      columns: 48,
      tiles: charts.map((c, i) => ({
        xPos: (i % 2) * width,
        yPos: Math.floor(i / 2) * height,
        width,
        height,
        widget: {
          title: c.title,
          xyChart: {
            dataSets: [
              {
                plotType: 'LINE',
                timeSeriesQuery: {
                  timeSeriesFilter: {
                    filter: c.filter,
                    aggregation: {
                      alignmentPeriod: '60s',
                      perSeriesAligner: c.aligner,
                      crossSeriesReducer: c.reducer,
                      ...(c.groupBy ? { groupByFields: c.groupBy } : {}),
                    },
                  },
                },
              },
            ],
          },
        },
      })),
    },
  };
}

/** The generated monitoring files, path relative to deploy/ → content (before formatting). */
export function renderMonitoring(): Record<string, Obj> {
  return {
    'monitoring/main.tf.json': main(),
    'monitoring/metrics.tf.json': metrics(),
    'monitoring/slos.tf.json': sloResources(),
    'monitoring/alerts.tf.json': alerts(),
    'monitoring/dashboard.tf.json': dashboardResource(),
    'monitoring/dashboard.json': dashboard(),
  };
}
