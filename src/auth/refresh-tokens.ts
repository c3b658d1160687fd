/**
 * Rotating refresh tokens. A token is 32 random bytes handed to the client once; the database keeps
 * only its SHA-256. Each refresh marks the token replaced and issues a new one in the same family.
 * A replaced or revoked token presented again means a copy is in someone else's hands: the whole
 * family is revoked, so both the thief and the owner must sign in again.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export type RefreshOutcome =
  | { ok: true; userId: string; token: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' | 'revoked' };

export class RefreshTokens {
  constructor(
    private readonly db: Db,
    private readonly ttlDays: number,
  ) {}

  /** A new token for `userId`, starting a family unless `familyId` continues one. */
  async issue(userId: string, familyId: string = randomUUID(), db: Pick<Db, 'refreshToken'> = this.db): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await db.refreshToken.create({
      data: { userId, familyId, tokenHash: digest(token), expiresAt: new Date(Date.now() + this.ttlDays * 86_400_000) },
    });
    return token;
  }

  /** Exchange `token` for a new one of its family (atomically: one use wins). */
  async rotate(token: string): Promise<RefreshOutcome> {
    const row = await this.db.refreshToken.findUnique({ where: { tokenHash: digest(token) } });
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    if (row.replacedAt) {
      await this.revokeFamily(row.familyId);
      return { ok: false, reason: 'reused' };
    }
    if (row.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
    return this.db.$transaction(async (tx) => {
      // Only one of two concurrent refreshes with the same token may win; the other is a reuse.
      const { count } = await tx.refreshToken.updateMany({ where: { id: row.id, replacedAt: null, revokedAt: null }, data: { replacedAt: new Date() } });
      if (count === 0) {
        await tx.refreshToken.updateMany({ where: { familyId: row.familyId, revokedAt: null }, data: { revokedAt: new Date() } });
        return { ok: false, reason: 'reused' } as const;
      }
      return { ok: true, userId: row.userId, token: await this.issue(row.userId, row.familyId, tx) } as const;
    });
  }

  /** Sign out: revoke the family of `token` (unknown tokens are ignored). */
  async revoke(token: string): Promise<void> {
    const row = await this.db.refreshToken.findUnique({ where: { tokenHash: digest(token) } });
    if (row) await this.revokeFamily(row.familyId);
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
  }
}
