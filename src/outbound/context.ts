/**
 * Outbound policy for job handlers: which hosts the `http` job may call. Handlers get the client
 * itself as `ctx.http` (src/jobs/registry.ts: JobContext), never through a module-level global.
 */
import type { AppConfig } from '../config/load.js';

/**
 * Hosts the `http` job may call: host, host:port, `*.example.com` (subdomains) or `*` (any).
 * API clients choose the URL: outside production any host, in production only the hosts listed in
 * HTTP_JOB_ALLOWED_HOSTS (server-side request forgery: internal services, cloud metadata...).
 */
export function jobAllowedHosts(config: Pick<AppConfig, 'HTTP_JOB_ALLOWED_HOSTS' | 'NODE_ENV'>): readonly string[] {
  return config.HTTP_JOB_ALLOWED_HOSTS ?? (config.NODE_ENV === 'production' ? [] : ['*']);
}

/** True when `url`'s host matches one of `rules` (see jobAllowedHosts). */
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
