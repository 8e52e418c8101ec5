/**
 * The part of the hashicorp/google provider's schema (6.x, the resources' registry documentation) that the
 * generated Terraform JSON uses, written down so the tests can check the files without `terraform` (which
 * Debian does not ship and whose registry cannot be reached here: neither `terraform fmt` nor `validate`
 * runs offline). This is the stated substitute for `terraform fmt -check`: generated `.tf.json` files have
 * one canonical layout (prettier), and `validateTerraform` checks every resource against this schema: no
 * unknown argument, every required one present, enum values, block counts, durations, goals, and every
 * `${type.name.attr}` reference resolving to a declared resource or variable.
 */

export type AttrType =
  | 'string'
  | 'number'
  | 'bool'
  | 'list(string)'
  | 'list(number)'
  | 'map(string)'
  | { enum: readonly string[] };

export interface Attr {
  type: AttrType;
  required?: boolean;
  /** Extra check on a literal value; returns a problem or null. */
  check?: (v: unknown) => string | null;
}

export interface BlockSchema {
  attrs: Record<string, Attr>;
  blocks?: Record<string, { schema: BlockSchema; min?: number; max?: number }>;
  /** Exactly one of these blocks must be present. */
  oneOf?: readonly string[];
}

const duration: Attr['check'] = (v) =>
  typeof v === 'string' && /^\d+s$/.test(v) ? null : `"${String(v)}" is not a duration in seconds ("60s")`;
const str = (required = false): Attr => ({ type: 'string', required });

const aggregation: BlockSchema = {
  attrs: {
    alignment_period: { type: 'string', check: duration },
    per_series_aligner: {
      type: {
        enum: [
          'ALIGN_NONE',
          'ALIGN_DELTA',
          'ALIGN_RATE',
          'ALIGN_INTERPOLATE',
          'ALIGN_NEXT_OLDER',
          'ALIGN_MIN',
          'ALIGN_MAX',
          'ALIGN_MEAN',
          'ALIGN_COUNT',
          'ALIGN_SUM',
          'ALIGN_STDDEV',
          'ALIGN_COUNT_TRUE',
          'ALIGN_COUNT_FALSE',
          'ALIGN_FRACTION_TRUE',
          'ALIGN_PERCENTILE_99',
          'ALIGN_PERCENTILE_95',
          'ALIGN_PERCENTILE_50',
          'ALIGN_PERCENTILE_05',
          'ALIGN_PERCENT_CHANGE',
        ],
      },
    },
    cross_series_reducer: {
      type: {
        enum: [
          'REDUCE_NONE',
          'REDUCE_MEAN',
          'REDUCE_MIN',
          'REDUCE_MAX',
          'REDUCE_SUM',
          'REDUCE_STDDEV',
          'REDUCE_COUNT',
          'REDUCE_COUNT_TRUE',
          'REDUCE_COUNT_FALSE',
          'REDUCE_FRACTION_TRUE',
          'REDUCE_PERCENTILE_99',
          'REDUCE_PERCENTILE_95',
          'REDUCE_PERCENTILE_50',
          'REDUCE_PERCENTILE_05',
        ],
      },
    },
    group_by_fields: { type: 'list(string)' },
  },
};

const comparison = {
  enum: [
    'COMPARISON_GT',
    'COMPARISON_GE',
    'COMPARISON_LT',
    'COMPARISON_LE',
    'COMPARISON_EQ',
    'COMPARISON_NE',
  ],
} as const;

export const resourceSchemas: Record<string, BlockSchema> = {
  google_logging_metric: {
    attrs: {
      name: str(true),
      filter: str(true),
      description: str(),
      disabled: { type: 'bool' },
      bucket_name: str(),
      value_extractor: str(),
      label_extractors: { type: 'map(string)' },
      project: str(),
    },
    blocks: {
      metric_descriptor: {
        max: 1,
        schema: {
          attrs: {
            metric_kind: { type: { enum: ['DELTA', 'GAUGE', 'CUMULATIVE'] }, required: true },
            value_type: {
              type: { enum: ['BOOL', 'INT64', 'DOUBLE', 'STRING', 'DISTRIBUTION', 'MONEY'] },
              required: true,
            },
            unit: str(),
            display_name: str(),
          },
          blocks: {
            labels: {
              schema: {
                attrs: {
                  key: str(true),
                  value_type: { type: { enum: ['BOOL', 'INT64', 'STRING'] } },
                  description: str(),
                },
              },
            },
          },
        },
      },
      bucket_options: {
        max: 1,
        schema: {
          attrs: {},
          oneOf: ['linear_buckets', 'exponential_buckets', 'explicit_buckets'],
          blocks: {
            linear_buckets: {
              max: 1,
              schema: {
                attrs: {
                  num_finite_buckets: { type: 'number', required: true },
                  width: { type: 'number', required: true },
                  offset: { type: 'number', required: true },
                },
              },
            },
            exponential_buckets: {
              max: 1,
              schema: {
                attrs: {
                  num_finite_buckets: { type: 'number', required: true },
                  growth_factor: { type: 'number', required: true },
                  scale: { type: 'number', required: true },
                },
              },
            },
            explicit_buckets: {
              max: 1,
              schema: {
                attrs: {
                  bounds: {
                    type: 'list(number)',
                    required: true,
                    check: (v) =>
                      Array.isArray(v) && v.every((b, i) => i === 0 || (b as number) > (v[i - 1] as number))
                        ? null
                        : 'bounds must increase strictly',
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  google_monitoring_custom_service: {
    attrs: {
      service_id: {
        type: 'string',
        check: (v) =>
          typeof v === 'string' && /^[a-z0-9-]{1,63}$/.test(v) ? null : `bad service_id ${String(v)}`,
      },
      display_name: str(),
      user_labels: { type: 'map(string)' },
      project: str(),
    },
    blocks: { telemetry: { max: 1, schema: { attrs: { resource_name: str() } } } },
  },
  google_monitoring_slo: {
    attrs: {
      service: str(true),
      slo_id: {
        type: 'string',
        check: (v) =>
          typeof v === 'string' && /^[a-z0-9-]{1,100}$/.test(v) ? null : `bad slo_id ${String(v)}`,
      },
      display_name: str(),
      goal: {
        type: 'number',
        required: true,
        check: (v) => (typeof v === 'number' && v > 0 && v < 1 ? null : `goal ${String(v)} not in (0, 1)`),
      },
      rolling_period_days: {
        type: 'number',
        check: (v) =>
          Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 30
            ? null
            : 'rolling_period_days 1..30',
      },
      calendar_period: { type: { enum: ['DAY', 'WEEK', 'FORTNIGHT', 'MONTH'] } },
      user_labels: { type: 'map(string)' },
      project: str(),
    },
    oneOf: ['basic_sli', 'request_based_sli', 'windows_based_sli'],
    blocks: {
      basic_sli: { max: 1, schema: { attrs: { method: { type: 'list(string)' } } } },
      windows_based_sli: { max: 1, schema: { attrs: { window_period: str() } } },
      request_based_sli: {
        max: 1,
        schema: {
          attrs: {},
          oneOf: ['good_total_ratio', 'distribution_cut'],
          blocks: {
            good_total_ratio: {
              max: 1,
              schema: {
                attrs: { good_service_filter: str(), bad_service_filter: str(), total_service_filter: str() },
              },
            },
            distribution_cut: {
              max: 1,
              schema: {
                attrs: { distribution_filter: str(true) },
                blocks: {
                  range: {
                    min: 1,
                    max: 1,
                    schema: { attrs: { min: { type: 'number' }, max: { type: 'number' } } },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  google_monitoring_alert_policy: {
    attrs: {
      display_name: str(true),
      combiner: { type: { enum: ['AND', 'OR', 'AND_WITH_MATCHING_RESOURCE'] }, required: true },
      enabled: { type: 'bool' },
      notification_channels: { type: 'list(string)' },
      severity: { type: { enum: ['CRITICAL', 'ERROR', 'WARNING'] } },
      user_labels: { type: 'map(string)' },
      project: str(),
    },
    blocks: {
      conditions: {
        min: 1,
        schema: {
          attrs: { display_name: str(true) },
          oneOf: ['condition_threshold', 'condition_absent', 'condition_matched_log'],
          blocks: {
            condition_threshold: {
              max: 1,
              schema: {
                attrs: {
                  filter: str(),
                  comparison: { type: comparison, required: true },
                  threshold_value: { type: 'number' },
                  duration: { type: 'string', required: true, check: duration },
                  denominator_filter: str(),
                },
                blocks: {
                  aggregations: { schema: aggregation },
                  trigger: {
                    max: 1,
                    schema: { attrs: { count: { type: 'number' }, percent: { type: 'number' } } },
                  },
                },
              },
            },
            condition_absent: {
              max: 1,
              schema: {
                attrs: { filter: str(), duration: { type: 'string', required: true, check: duration } },
              },
            },
            condition_matched_log: {
              max: 1,
              schema: { attrs: { filter: str(true), label_extractors: { type: 'map(string)' } } },
            },
          },
        },
      },
      documentation: {
        max: 1,
        schema: {
          attrs: { content: str(), mime_type: { type: { enum: ['text/markdown'] } }, subject: str() },
        },
      },
      alert_strategy: {
        max: 1,
        schema: { attrs: { auto_close: { type: 'string', check: duration } } },
      },
    },
  },
  google_monitoring_dashboard: {
    attrs: { dashboard_json: str(true), project: str() },
  },
  google_firestore_field: {
    attrs: { collection: str(true), field: str(true), database: str(), project: str() },
    blocks: {
      ttl_config: { max: 1, schema: { attrs: {} } },
      index_config: {
        max: 1,
        schema: {
          attrs: {},
          blocks: {
            indexes: {
              schema: {
                attrs: {
                  query_scope: { type: { enum: ['COLLECTION', 'COLLECTION_GROUP'] } },
                  order: { type: { enum: ['ASCENDING', 'DESCENDING'] } },
                  array_config: { type: { enum: ['CONTAINS'] } },
                },
              },
            },
          },
        },
      },
    },
  },
  google_firestore_backup_schedule: {
    attrs: {
      retention: { type: 'string', required: true, check: duration },
      database: str(),
      project: str(),
    },
    oneOf: ['daily_recurrence', 'weekly_recurrence'],
    blocks: {
      daily_recurrence: { max: 1, schema: { attrs: {} } },
      weekly_recurrence: {
        max: 1,
        schema: {
          attrs: {
            day: {
              type: { enum: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] },
            },
          },
        },
      },
    },
  },
  google_storage_bucket: {
    attrs: {
      name: str(true),
      location: str(true),
      storage_class: str(),
      uniform_bucket_level_access: { type: 'bool' },
      public_access_prevention: { type: { enum: ['enforced', 'inherited'] } },
      force_destroy: { type: 'bool' },
      labels: { type: 'map(string)' },
      project: str(),
    },
    blocks: {
      retention_policy: {
        max: 1,
        schema: {
          attrs: { retention_period: { type: 'number', required: true }, is_locked: { type: 'bool' } },
        },
      },
      lifecycle_rule: {
        schema: {
          attrs: {},
          blocks: {
            action: {
              min: 1,
              max: 1,
              schema: {
                attrs: {
                  type: {
                    type: { enum: ['Delete', 'SetStorageClass', 'AbortIncompleteMultipartUpload'] },
                    required: true,
                  },
                  storage_class: { type: { enum: ['STANDARD', 'NEARLINE', 'COLDLINE', 'ARCHIVE'] } },
                },
              },
            },
            condition: {
              min: 1,
              max: 1,
              schema: {
                attrs: {
                  age: { type: 'number' },
                  matches_prefix: { type: 'list(string)' },
                  matches_storage_class: { type: 'list(string)' },
                  with_state: { type: { enum: ['LIVE', 'ARCHIVED', 'ANY'] } },
                },
              },
            },
          },
        },
      },
    },
  },
  google_cloud_scheduler_job: {
    attrs: {
      name: str(true),
      description: str(),
      schedule: str(),
      time_zone: str(),
      region: str(),
      project: str(),
    },
    blocks: {
      http_target: {
        max: 1,
        schema: {
          attrs: {
            uri: str(true),
            http_method: { type: { enum: ['POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] } },
            body: str(),
            headers: { type: 'map(string)' },
          },
          blocks: {
            oauth_token: {
              max: 1,
              schema: { attrs: { service_account_email: str(true), scope: str() } },
            },
          },
        },
      },
    },
  },
};

/** Attributes each resource exports (what `${type.name.attr}` may name). */
export const exportedAttrs: Record<string, readonly string[]> = {
  google_logging_metric: ['id', 'name'],
  google_monitoring_custom_service: ['id', 'name', 'service_id'],
  google_monitoring_slo: ['id', 'name', 'slo_id'],
  google_monitoring_alert_policy: ['id', 'name'],
  google_monitoring_dashboard: ['id'],
  google_firestore_field: ['id', 'name'],
  google_firestore_backup_schedule: ['id', 'name'],
  google_storage_bucket: ['id', 'name', 'url'],
  google_cloud_scheduler_job: ['id'],
};

/** Meta-arguments terraform accepts on any resource. */
const metaArguments = new Set(['depends_on', 'count', 'for_each', 'provider', 'lifecycle']);

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInterpolation = (v: Json): boolean => typeof v === 'string' && /^\$\{[^}]*\}$/.test(v);

function typeProblem(t: AttrType, v: Json): string | null {
  if (isInterpolation(v)) return null;
  if (typeof t === 'object')
    return t.enum.includes(v as string) ? null : `${String(v)} not one of ${t.enum.join('|')}`;
  const ok = {
    string: () => typeof v === 'string',
    number: () => typeof v === 'number' && Number.isFinite(v),
    bool: () => typeof v === 'boolean',
    'list(string)': () => Array.isArray(v) && v.every((x) => typeof x === 'string'),
    'list(number)': () => Array.isArray(v) && v.every((x) => typeof x === 'number'),
    'map(string)': () => isObj(v) && Object.values(v).every((x) => typeof x === 'string'),
  }[t]();
  return ok ? null : `expected ${t}, got ${JSON.stringify(v)}`;
}

export function validateBlock(schema: BlockSchema, value: Json, at: string, top = false): string[] {
  if (!isObj(value)) return [`${at}: expected a block object`];
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const attr = schema.attrs[key];
    const block = schema.blocks?.[key];
    if (attr) {
      const p = typeProblem(attr.type, v) ?? (attr.check && !isInterpolation(v) ? attr.check(v) : null);
      if (p) problems.push(`${at}.${key}: ${p}`);
    } else if (block) {
      const items = Array.isArray(v) ? v : [v];
      if (block.max !== undefined && items.length > block.max)
        problems.push(`${at}.${key}: at most ${block.max}`);
      items.forEach((item, i) => problems.push(...validateBlock(block.schema, item, `${at}.${key}[${i}]`)));
    } else if (!(top && metaArguments.has(key))) {
      problems.push(`${at}: unknown argument ${key}`);
    }
  }
  for (const [key, attr] of Object.entries(schema.attrs)) {
    if (attr.required && !(key in value)) problems.push(`${at}: missing required ${key}`);
  }
  for (const [key, block] of Object.entries(schema.blocks ?? {})) {
    const n = key in value ? (Array.isArray(value[key]) ? (value[key] as Json[]).length : 1) : 0;
    if (block.min !== undefined && n < block.min) problems.push(`${at}: needs ${block.min} ${key} block(s)`);
  }
  if (schema.oneOf) {
    const present = schema.oneOf.filter((k) => k in value);
    if (present.length !== 1)
      problems.push(`${at}: exactly one of ${schema.oneOf.join('|')} (has ${present.length})`);
  }
  return problems;
}

/**
 * Validates a set of Terraform JSON files (name → parsed content) as one module: top-level keys, each
 * resource against its schema, and every reference inside `${...}`.
 */
export function validateTerraform(files: Record<string, Json>): string[] {
  const problems: string[] = [];
  const declared = new Map<string, string>();
  const variables = new Set<string>();
  const topLevel = new Set([
    'terraform',
    'variable',
    'provider',
    'resource',
    'output',
    'locals',
    'data',
    'module',
  ]);
  for (const [file, content] of Object.entries(files)) {
    if (!isObj(content)) {
      problems.push(`${file}: not a JSON object`);
      continue;
    }
    for (const key of Object.keys(content))
      if (!topLevel.has(key)) problems.push(`${file}: unknown block ${key}`);
    if (isObj(content.variable)) for (const v of Object.keys(content.variable)) variables.add(v);
    if (isObj(content.resource)) {
      for (const [type, byName] of Object.entries(content.resource)) {
        const schema = resourceSchemas[type];
        if (!schema) {
          problems.push(`${file}: resource type ${type} not in the written-down schema`);
          continue;
        }
        if (!isObj(byName)) continue;
        for (const [name, body] of Object.entries(byName)) {
          if (!/^[a-zA-Z_][a-zA-Z0-9_-]*$/.test(name)) problems.push(`${file}: bad resource name ${name}`);
          if (declared.has(`${type}.${name}`)) problems.push(`${file}: ${type}.${name} declared twice`);
          declared.set(`${type}.${name}`, type);
          problems.push(...validateBlock(schema, body, `${file}: ${type}.${name}`, true));
        }
      }
    }
  }
  const text = JSON.stringify(files);
  for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
    const expr = m[1] ?? '';
    const ref = /^([a-z_]+)\.([a-zA-Z0-9_-]+)\.([a-z_]+)$/.exec(expr);
    if (expr.startsWith('var.')) {
      if (!variables.has(expr.slice(4))) problems.push(`reference to undeclared ${expr}`);
    } else if (expr.startsWith('file(') || expr.startsWith('base64encode(') || expr === 'path.module') {
      continue;
    } else if (ref) {
      const [, type = '', name = '', attr = ''] = ref;
      if (!declared.has(`${type}.${name}`)) problems.push(`reference to undeclared ${type}.${name}`);
      else if (!exportedAttrs[type]?.includes(attr)) problems.push(`${type} exports no ${attr}`);
    } else {
      problems.push(`unchecked expression \${${expr}}`);
    }
  }
  for (const m of text.matchAll(/"depends_on":\[([^\]]*)\]/g)) {
    for (const dep of (m[1] ?? '').split(',')) {
      const d = dep.replace(/"/g, '');
      if (d && !declared.has(d)) problems.push(`depends_on names undeclared ${d}`);
    }
  }
  return problems;
}
