/**
 * The SSRF guard with a stubbed resolver: nothing here resolves a real name or opens a socket except to a
 * loopback test server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ClarityError } from '@clarity/core';
import { addressProblem, checkWebhookUrl, type SsrfPolicy } from '../../src/delivery/ssrf.ts';
import { postWebhook } from '../../src/delivery/webhook-http.ts';

const records: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34'],
  'internal.example.com': ['10.1.2.3'],
  'mixed.example.com': ['93.184.216.34', '192.168.1.10'],
  'rebind.example.com': ['127.0.0.1'],
  'v6.example.com': ['fd00::1'],
};
const resolve = (host: string): Promise<string[]> =>
  records[host] ? Promise.resolve(records[host]) : Promise.reject(new Error('ENOTFOUND'));
const prod: SsrfPolicy = { allowLoopback: false, resolve };
const emulator: SsrfPolicy = { allowLoopback: true, resolve };

async function refusal(url: string, policy = prod): Promise<string> {
  try {
    await checkWebhookUrl(url, policy);
  } catch (e) {
    expect(e).toBeInstanceOf(ClarityError);
    expect((e as ClarityError).httpStatus).toBe(400);
    return (e as ClarityError).message;
  }
  throw new Error(`${url} was accepted`);
}

describe('SSRF guard', () => {
  it('classifies addresses', () => {
    for (const ip of [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '100.64.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:10.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      '224.0.0.1',
    ]) {
      expect(addressProblem(ip, true), ip).toBeDefined();
    }
    expect(addressProblem('127.0.0.1', false)).toMatch(/loopback/);
    expect(addressProblem('::1', false)).toMatch(/loopback/);
    expect(addressProblem('127.0.0.1', true)).toBeUndefined();
    expect(addressProblem('93.184.216.34', false)).toBeUndefined();
    expect(addressProblem('2606:4700::1111', false)).toBeUndefined();
  });

  it('refuses private, metadata and internal targets with a clear 400', async () => {
    expect(await refusal('http://10.0.0.1/')).toMatch(/only https/);
    expect(await refusal('http://10.0.0.1/', emulator)).toMatch(/10\.0\.0\.1 is a private/);
    expect(await refusal('https://169.254.169.254/')).toMatch(/link-local \(cloud metadata\)/);
    expect(await refusal('https://metadata.google.internal/')).toMatch(/metadata/);
    expect(await refusal('https://internal.example.com/hook')).toMatch(/resolves to 10\.1\.2\.3/);
    expect(await refusal('https://mixed.example.com/hook')).toMatch(/192\.168\.1\.10/);
    expect(await refusal('https://v6.example.com/hook')).toMatch(/fd00::1/);
    expect(await refusal('https://[::ffff:10.0.0.1]/')).toMatch(/private/);
    expect(await refusal('https://localhost/hook')).toMatch(/loopback/);
    expect(await refusal('https://127.0.0.1/hook')).toMatch(/loopback/);
    expect(await refusal('https://user:pw@hooks.example.com/')).toMatch(/credentials/);
    expect(await refusal('https://nowhere.example.com/')).toMatch(/does not resolve/);
    expect(await refusal('ftp://hooks.example.com/')).toMatch(/https/);
    expect((await checkWebhookUrl('https://hooks.example.com/h', prod)).host).toBe('hooks.example.com');
    expect((await checkWebhookUrl('http://127.0.0.1:9/h', emulator)).port).toBe('9');
  });

  it('checks the address at connect time (a name rebound to loopback is never connected to)', async () => {
    let hits = 0;
    const server = createServer((_q, s) => (hits++, s.end('ok')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      // rebind.example.com resolves (stubbed) to 127.0.0.1, where the server listens: refused at lookup.
      const r = await postWebhook(
        `https://rebind.example.com:${port}/`,
        '{}',
        {},
        { timeoutMs: 2000, policy: prod },
      );
      expect(r.outcome).toBe('failed');
      expect(r.error).toMatch(/^blocked: rebind\.example\.com resolves to 127\.0\.0\.1/);
      const lit = await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, { timeoutMs: 2000, policy: prod });
      expect(lit.error).toMatch(/^blocked/);
      expect(hits).toBe(0);
      // The emulator policy lets loopback through: the same server is reached.
      const allowed = await postWebhook(
        `http://rebind.example.com:${port}/`,
        '{}',
        {},
        {
          timeoutMs: 2000,
          policy: emulator,
        },
      );
      expect(allowed.outcome).toBe('delivered');
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });
});
