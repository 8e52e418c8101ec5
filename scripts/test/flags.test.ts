import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerTemplateData } from 'firebase-admin/remote-config';
import { describe, expect, it } from 'vitest';
import { compareTemplates } from '../flags.ts';

const template = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../deploy/remote-config/server-template.json'), 'utf8'),
) as ServerTemplateData;

describe('npm run flags -- check', () => {
  it('passes the repository template against itself and names each drift', () => {
    expect(compareTemplates(template, template)).toEqual([]);
    const published = structuredClone(template) as ServerTemplateData & {
      parameters: Record<string, unknown>;
    };
    delete published.parameters.delivery_email_enabled;
    published.parameters.delivery_push_enabled = { defaultValue: { value: 'true' }, valueType: 'STRING' };
    published.conditions = [];
    expect(compareTemplates(template, published)).toEqual([
      'delivery_push_enabled: published as STRING, the code reads BOOLEAN',
      "delivery_email_enabled: missing from the published template (the code's default true applies)",
      'condition llm_generator_rollout: missing from the published template',
    ]);
  });
});
