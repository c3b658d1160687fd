/**
 * CORS origin rules from CORS_ORIGINS. Compiled once; the same matcher drives @fastify/cors and
 * /cors-debug so the debug endpoint can never disagree with what the browser actually gets.
 */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
export const CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Request-Id'];
export const CORS_EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'Location', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];
export const CORS_MAX_AGE_SECONDS = 600;

export interface CorsMatcher {
  readonly rules: readonly string[];
  /** The rule that allows `origin`, or null. */
  match(origin: string | undefined): string | null;
}

const ORIGIN = /^(https?):\/\/([a-z0-9.-]+|\[[0-9a-f:]+\])(:\d{1,5})?$/i;
const WILDCARD = /^(https?):\/\/\*\.([a-z0-9-]+(?:\.[a-z0-9-]+)+)(:\d{1,5})?$/i;

/** Reason an entry is not a valid rule, or null when it is. */
export function invalidCorsRule(rule: string): string | null {
  if (rule === '*' || ORIGIN.test(rule) || WILDCARD.test(rule)) return null;
  return `entry "${rule}" must be "*", an origin like https://app.example.com, or https://*.example.com`;
}

export function compileCorsRules(rules: readonly string[]): CorsMatcher {
  const exact = new Map<string, string>();
  const patterns: { rule: string; re: RegExp }[] = [];
  let any: string | null = null;
  for (const rule of rules) {
    if (rule === '*') any = rule;
    const w = WILDCARD.exec(rule);
    if (w) {
      const host = w[2]!.replace(/\./g, '\\.');
      patterns.push({ rule, re: new RegExp(`^${w[1]}://([a-z0-9-]+\\.)+${host}${w[3] ?? ''}$`, 'i') });
    } else if (rule !== '*') {
      exact.set(rule.toLowerCase().replace(/\/$/, ''), rule);
    }
  }
  return {
    rules,
    match(origin) {
      if (!origin) return null;
      const found = exact.get(origin.toLowerCase());
      if (found) return found;
      for (const p of patterns) if (p.re.test(origin)) return p.rule;
      return any;
    },
  };
}
