/** Prometheus metrics (prom-client, its own registry so tests can run several servers in one process). */
import client from 'prom-client';
import type { LoadedModel } from '../models/registry.ts';

export class ServerMetrics {
  readonly registry = new client.Registry();
  readonly requestSeconds = new client.Histogram({
    name: 'inference_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly batchSize = new client.Histogram({
    name: 'inference_batch_size',
    help: 'Sequences per onnxruntime run',
    labelNames: ['model'],
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  readonly batchSeconds = new client.Histogram({
    name: 'inference_batch_duration_seconds',
    help: 'onnxruntime run time per batch',
    labelNames: ['model'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly queueDepth = new client.Gauge({
    name: 'inference_queue_depth',
    help: 'Sequences waiting for a batch',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly errors = new client.Counter({
    name: 'inference_errors_total',
    help: 'Error responses by route and code',
    labelNames: ['route', 'code'],
    registers: [this.registry],
  });
  readonly sequences = new client.Counter({
    name: 'inference_sequences_total',
    help: 'Sequences served per model and route',
    labelNames: ['model', 'route'],
    registers: [this.registry],
  });
  readonly rejected = new client.Counter({
    name: 'inference_queue_rejections_total',
    help: 'Requests refused with 503 because the queue was full',
    labelNames: ['model'],
    registers: [this.registry],
  });

  readonly driftAlerts = new client.Counter({
    name: 'inference_input_drift_alerts_total',
    help: 'Times the input PSI went above the reference threshold (default 0.2)',
    labelNames: ['model'],
    registers: [this.registry],
  });

  constructor(models: () => LoadedModel[]) {
    const registry = this.registry;
    const drift = (name: string, help: string, pick: (m: LoadedModel) => number | undefined): void => {
      new client.Gauge({
        name,
        help,
        labelNames: ['model'],
        registers: [registry],
        collect() {
          for (const m of models()) {
            const v = pick(m);
            if (v !== undefined && Number.isFinite(v)) this.set({ model: m.key }, v);
          }
        },
      });
    };
    drift('inference_input_mean', 'Running mean of raw input minutes', (m) => m.drift.stats().mean);
    drift('inference_input_std', 'Running std of raw input minutes', (m) => m.drift.stats().std);
    drift(
      'inference_input_observed_minutes',
      'Observed (non-missing) input minutes seen',
      (m) => m.drift.stats().count,
    );
    drift(
      'inference_input_reference_mean',
      'Reference mean of raw input from the manifest',
      (m) => m.manifest.drift?.mean,
    );
    drift(
      'inference_input_reference_std',
      'Reference std of raw input from the manifest',
      (m) => m.manifest.drift?.std,
    );
    drift(
      'inference_input_psi',
      'Population stability index of the input histogram against the manifest reference',
      (m) => m.drift.stats().psi,
    );
    drift('inference_input_drift', '1 while the input PSI is above the reference threshold, else 0', (m) =>
      m.manifest.drift ? (m.drift.drifted ? 1 : 0) : undefined,
    );
    client.collectDefaultMetrics({ register: registry, prefix: 'inference_process_' });
  }
}
