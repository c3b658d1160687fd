/** Signing users up in tests: a fresh account and its session, and the headers that carry it. */
import type { FastifyInstance } from 'fastify';

export const TEST_JWT_SECRET = 'a-jwt-secret-of-at-least-32-characters!!';
export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestSession {
  user: { id: string; email: string; role: 'user' | 'admin' };
  accessToken: string;
  refreshToken: string;
  /** `{ authorization: 'Bearer <accessToken>' }` */
  headers: { authorization: string };
}

let n = 0;
/** Register a new account (unique email unless given) and return its session. */
export async function signUp(app: FastifyInstance, email = `user${++n}-${process.pid}@example.com`): Promise<TestSession> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: TEST_PASSWORD } });
  if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`);
  const session = res.json() as Omit<TestSession, 'headers'>;
  return { ...session, headers: { authorization: `Bearer ${session.accessToken}` } };
}
