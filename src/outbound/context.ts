/**
 * The process-wide outbound client, for code that runs outside a request and has no `app` at hand:
 * job handlers (src/jobs/types/*) receive only their payload and a JobContext. Installed by
 * outbound.plugin.ts; route code should use `app.outbound` instead.
 */
import type { HttpClient } from './http-client.js';

export interface OutboundContext {
  client: HttpClient;
  /** Hosts the `http` job may call: host, host:port, `*.example.com` (subdomains) or `*` (any). */
  jobAllowedHosts: readonly string[];
}

let current: OutboundContext | undefined;

/** Install `ctx`; returns the function that uninstalls it (if it is still the installed one). */
export function installOutbound(ctx: OutboundContext): () => void {
  current = ctx;
  return () => {
    if (current === ctx) current = undefined;
  };
}

export function outbound(): OutboundContext {
  if (!current) throw new Error('the outbound HTTP client is not initialised (outbound.plugin.ts is not registered)');
  return current;
}

export { hostAllowed } from './target-guard.js';
