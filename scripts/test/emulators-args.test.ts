import { describe, expect, it } from 'vitest';
import { parseArgs } from '../emulators.ts';

describe('scripts/emulators.ts arguments', () => {
  it('defaults to demo-clarity and takes the command after --', () => {
    expect(parseArgs(['--', 'node', 'x.js', '--project', 'y'])).toEqual({
      project: 'demo-clarity',
      command: ['node', 'x.js', '--project', 'y'],
    });
  });
  it('takes --project ID and --project=ID before the command', () => {
    expect(parseArgs(['--project', 'demo-clarity-live', '--', 'node', 'a'])).toEqual({
      project: 'demo-clarity-live',
      command: ['node', 'a'],
    });
    expect(parseArgs(['--project=demo-clarity-live'])).toEqual({ project: 'demo-clarity-live', command: [] });
  });
  it('refuses a project with no params file, naming the known ones', () => {
    expect(parseArgs(['--project', 'demo-clarty', '--', 'true'])).toEqual({
      error: 'unknown project "demo-clarty" (one of: demo-clarity, demo-clarity-live)',
    });
  });
});
