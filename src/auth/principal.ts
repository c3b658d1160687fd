/**
 * Who is making a request: a signed-in user (an access token from /api/v1/auth), or an operator
 * presenting ADMIN_TOKEN (automation, scripts). Everything that owns or guards data (notes, jobs)
 * reasons in these terms, never in raw tokens.
 */
export type Principal = { kind: 'user'; id: string; role: 'user' | 'admin' } | { kind: 'operator' };

/** A stable string for ownership columns and per-principal keys (rate limits, quotas, idempotency). */
export const principalKey = (p: Principal): string => (p.kind === 'user' ? `user:${p.id}` : 'operator');

/** Admins see and manage everything: users with the admin role, and operators. */
export const isAdmin = (p: Principal): boolean => p.kind === 'operator' || p.role === 'admin';
