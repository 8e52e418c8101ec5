/**
 * SSRF guard for webhook endpoints: a user names a URL and our servers connect to it, so the URL must not
 * reach into our own network. Refused: private (RFC 1918, ULA), loopback, link-local (169.254/16 with the
 * metadata server, fe80::/10), CGNAT (100.64/10), unspecified, multicast, reserved and documentation ranges,
 * IPv4-mapped/NAT64 forms of those, and the metadata host names. Checked at registration (the literal host
 * or every address its name resolves to) and again at connect time through `guardedLookup` (the address
 * actually connected to, which also stops DNS rebinding). Redirects are never followed.
 *
 * Loopback is allowed only when the config says so (the emulator configuration, WEBHOOK_ALLOW_LOOPBACK), and
 * plain http only together with it: production endpoints are HTTPS.
 */
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { ClarityError } from '@clarity/core';

export interface SsrfPolicy {
  /** Loopback addresses and names (127/8, ::1, localhost) and plain http allowed: emulator/test config only. */
  allowLoopback: boolean;
  /** Resolves a host name to all its addresses (injected: tests stub it, production uses dns.lookup). */
  resolve: (host: string) => Promise<string[]>;
}

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, bits, 'ipv6');
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const blockedNames = new Set(['metadata.google.internal', 'metadata', 'metadata.goog', 'instance-data']);

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 (64:ff9b::) IPv6 one. */
function embeddedV4(ip: string): string | undefined {
  const lower = ip.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1] as string, 16);
    const lo = parseInt(hex[2] as string, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/** Why an address may not be connected to, or undefined when it may. */
export function addressProblem(ip: string, allowLoopback: boolean): string | undefined {
  const family = isIP(ip);
  if (family === 0) return 'is not an IP address';
  const v4 = family === 6 ? embeddedV4(ip) : undefined;
  if (v4 !== undefined) return addressProblem(v4, allowLoopback);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (loopback.check(ip, type)) return allowLoopback ? undefined : 'is a loopback address';
  if (blocked.check(ip, type)) {
    if (family === 4 && ip.startsWith('169.254.')) return 'is a link-local (cloud metadata) address';
    return 'is a private, link-local or reserved address';
  }
  return undefined;
}

function refuse(url: string, why: string): ClarityError {
  return new ClarityError('invalid_input', `webhook URL refused: ${why}`, {
    details: [{ path: ['body', 'url'], message: why }],
  });
}

/**
 * Checks a webhook URL before it is stored: scheme, credentials, the literal host, and every address the
 * host name resolves to. Throws a 400 (invalid_input) that says why.
 */
export async function checkWebhookUrl(raw: string, policy: SsrfPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(raw, 'not an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowLoopback)) {
    throw refuse(raw, 'only https URLs are accepted');
  }
  if (url.username || url.password) throw refuse(raw, 'URLs with credentials are not accepted');
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  if (blockedNames.has(host) || host.endsWith('.internal')) {
    throw refuse(raw, `host ${host} is a cloud metadata or internal name`);
  }
  if (isIP(host)) {
    const p = addressProblem(host, policy.allowLoopback);
    if (p) throw refuse(raw, `${host} ${p}`);
    return url;
  }
  if ((host === 'localhost' || host.endsWith('.localhost')) && !policy.allowLoopback) {
    throw refuse(raw, `host ${host} is a loopback name`);
  }
  let addresses: string[];
  try {
    addresses = await policy.resolve(host);
  } catch {
    throw refuse(raw, `host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw refuse(raw, `host ${host} does not resolve`);
  for (const a of addresses) {
    const p = addressProblem(a, policy.allowLoopback);
    if (p) throw refuse(raw, `host ${host} resolves to ${a}, which ${p}`);
  }
  return url;
}

/** Raised at connect time when a name resolves to a forbidden address (DNS rebinding, changed records). */
export class SsrfBlockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SsrfBlockedError';
  }
}

/**
 * A `lookup` for http(s).request that resolves through the policy and refuses forbidden addresses, so the
 * address checked is the address connected to.
 */
export function guardedLookup(policy: SsrfPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const all = typeof options === 'object' && options !== null && options.all === true;
    policy.resolve(hostname).then(
      (addresses) => {
        for (const a of addresses) {
          const p = addressProblem(a, policy.allowLoopback);
          if (p) {
            callback(new SsrfBlockedError(`${hostname} resolves to ${a}, which ${p}`), '', 0);
            return;
          }
        }
        const first = addresses[0];
        if (first === undefined) {
          callback(new Error(`${hostname} does not resolve`), '', 0);
          return;
        }
        if (all) {
          (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(
            null,
            addresses.map((address) => ({ address, family: isIP(address) })),
          );
        } else callback(null, first, isIP(first));
      },
      (e: unknown) => callback(e as NodeJS.ErrnoException, '', 0),
    );
  };
}
