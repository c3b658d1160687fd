/**
 * Server-side request forgery guard for URLs that come from API clients (the `http` job).
 *
 *   1. The host must match the allow-list (HTTP_JOB_ALLOWED_HOSTS: host, host:port, *.domain, *).
 *   2. The name is resolved, and every address must be public unicast: loopback, private,
 *      link-local (cloud metadata 169.254.169.254 included), CGNAT (100.64/10), unique-local,
 *      multicast, reserved and IPv4-mapped forms of them are refused, unless OUTBOUND_ALLOW_PRIVATE
 *      names that address's CIDR or this exact host:port. A bare host entry in the allow-list never
 *      opens a private address.
 *   3. The call connects to the address that was checked (`pinnedAgent`: an undici Agent whose
 *      lookup returns it), so a name that re-resolves elsewhere between check and connect
 *      (DNS rebinding) changes nothing; guarded calls follow no redirect.
 * Refusals are OutboundTargetRefusedError: 400 with a generic message for the submitter; the
 * reason (which address, which rule) is a property for the log only.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Agent } from 'undici';
import { HttpError } from '../http/errors.js';

/** True when `url`'s host matches one of `rules` (host, host:port, `*.example.com` for subdomains, `*` for any). */
export function hostAllowed(url: URL, rules: readonly string[]): boolean {
  const hostname = url.hostname.toLowerCase();
  const host = url.host.toLowerCase();
  return rules.some((raw) => {
    const rule = raw.toLowerCase();
    if (rule === '*') return true;
    if (rule.startsWith('*.')) return hostname.endsWith(rule.slice(1)) && hostname.length > rule.length - 1;
    return rule === hostname || rule === host;
  });
}

export class OutboundTargetRefusedError extends HttpError {
  constructor(readonly reason: string) {
    super(400, 'The target URL is not allowed', { code: 'OUTBOUND_TARGET_REFUSED' });
    this.name = 'OutboundTargetRefusedError';
  }
}

export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface TargetGuardOptions {
  /** Hosts allowed at all (HTTP_JOB_ALLOWED_HOSTS). */
  allowedHosts: readonly string[];
  /** CIDRs and host:port entries allowed even though they are not public (OUTBOUND_ALLOW_PRIVATE). */
  allowPrivate: readonly string[];
  /** Name resolution (default: the system resolver, every address). */
  resolve?: Resolver;
}

const systemResolve: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** `[::1]` → `::1`; IPv4-mapped IPv6 → the IPv4 address. */
function parseAddress(raw: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (!ipaddr.isValid(bare)) return null;
  const addr = ipaddr.parse(bare);
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

export class TargetGuard {
  readonly #allowedHosts: readonly string[];
  readonly #cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  readonly #hostPorts = new Set<string>();
  readonly #resolve: Resolver;

  constructor(opts: TargetGuardOptions) {
    this.#allowedHosts = opts.allowedHosts;
    this.#resolve = opts.resolve ?? systemResolve;
    for (const entry of opts.allowPrivate) {
      const e = entry.trim().toLowerCase();
      if (e.includes('/')) this.#cidrs.push(ipaddr.parseCIDR(e));
      else if (ipaddr.isValid(e)) this.#cidrs.push([ipaddr.parse(e), ipaddr.parse(e).kind() === 'ipv4' ? 32 : 128]);
      else this.#hostPorts.add(e);
    }
  }

  /** Resolve and check `input`; throws OutboundTargetRefusedError, or returns the address to connect to. */
  async check(input: string | URL): Promise<CheckedTarget> {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new OutboundTargetRefusedError('not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundTargetRefusedError(`scheme ${url.protocol}`);
    if (url.username || url.password) throw new OutboundTargetRefusedError('credentials in the URL');
    if (!hostAllowed(url, this.#allowedHosts)) throw new OutboundTargetRefusedError(`host ${url.host} is not in HTTP_JOB_ALLOWED_HOSTS`);

    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const hostPort = `${url.hostname.toLowerCase()}:${port}`;
    const literal = parseAddress(url.hostname);
    let addresses: { address: string; family: number }[];
    if (literal) addresses = [{ address: literal.toString(), family: literal.kind() === 'ipv4' ? 4 : 6 }];
    else {
      try {
        addresses = await this.#resolve(url.hostname);
      } catch (err) {
        throw new OutboundTargetRefusedError(`${url.hostname} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    if (addresses.length === 0) throw new OutboundTargetRefusedError(`${url.hostname} has no address`);
    for (const { address } of addresses) {
      const addr = parseAddress(address);
      if (!addr) throw new OutboundTargetRefusedError(`${url.hostname} resolved to an unreadable address`);
      const range = addr.range();
      if (range === 'unicast') continue;
      if (this.#hostPorts.has(hostPort)) continue;
      if (this.#cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))) continue;
      throw new OutboundTargetRefusedError(`${url.hostname} resolves to ${addr.toString()} (${range}), not allowed by OUTBOUND_ALLOW_PRIVATE`);
    }
    const first = parseAddress(addresses[0]!.address)!;
    return { url, address: first.toString(), family: first.kind() === 'ipv4' ? 4 : 6 };
  }
}

/**
 * An undici Agent that connects only to `target.address`, whatever the name resolves to by then.
 * TLS still verifies the certificate against the URL's host name. One connection per call: the
 * caller closes the agent when the call is done. undici is imported on the first guarded call,
 * not at boot (~0.15 s of CPU that most processes never need).
 */
export async function pinnedAgent(target: CheckedTarget, connectTimeoutMs: number): Promise<Agent> {
  const { Agent } = await import('undici');
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  return new Agent({ connect: { lookup, timeout: connectTimeoutMs }, connections: 1, pipelining: 0 });
}
