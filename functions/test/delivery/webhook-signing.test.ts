/**
 * Our Standard Webhooks signatures, verified by the `standardwebhooks` reference library (not by our code),
 * including the two signatures of a rotation's overlap, and a tampered body refused.
 */
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, secretKey, signedHeaders } from '../../src/delivery/webhook-signing.ts';

describe('webhook signing', () => {
  it('makes whsec_ secrets of 24 random bytes', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(secretKey(a)).toHaveLength(24);
    expect(newWebhookSecret()).not.toBe(a);
    expect(() => secretKey('nope')).toThrow(/whsec_/);
  });

  it('signs headers that the standardwebhooks library verifies', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ type: 'insight.created', timestamp: '2026-12-02T08:00:00.000Z', data: {} });
    const ts = Math.floor(Date.now() / 1000);
    const headers = signedHeaders([secret], 'msg_abc', ts, body);
    expect(headers['webhook-id']).toBe('msg_abc');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('insight', 'upload'), headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('during a rotation both secrets verify', () => {
    const [oldS, newS] = [newWebhookSecret(), newWebhookSecret()];
    const body = '{"type":"job.completed"}';
    const headers = signedHeaders([newS, oldS], 'msg_x', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldS).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newS).verify(body, headers)).not.toThrow();
  });
});
