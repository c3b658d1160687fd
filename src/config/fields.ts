/**
 * Field builders for environment variables. Every env value arrives as a string; these turn it
 * into a typed value or fail with a message that reads well after the variable's name, e.g.
 * `PORT must be an integer 1-65535` (the loader appends `, got "..."`).
 */
import { z } from 'zod';

/** Integer in [min, max]. */
export const int = (min: number, max: number = Number.MAX_SAFE_INTEGER) =>
  z.string().transform((raw, ctx) => {
    const s = raw.trim();
    const n = Number(s);
    if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}-${max}`;
      ctx.addIssue({ code: 'custom', message: `must be an integer ${range}` });
      return z.NEVER;
    }
    return n;
  });

/** Number (may be fractional) in [min, max]. */
export const num = (min: number, max: number) =>
  z.string().transform((raw, ctx) => {
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be a number ${min}-${max}` });
      return z.NEVER;
    }
    return n;
  });

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Boolean spelled true/false, 1/0, yes/no or on/off. */
export const bool = () =>
  z.string().transform((raw, ctx) => {
    const s = raw.trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be true or false' });
    return z.NEVER;
  });

/** One of a fixed set of words. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((raw, ctx) => {
    const s = raw.trim();
    if ((values as readonly string[]).includes(s)) return s as T[number];
    ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
    return z.NEVER;
  });

/** Comma-separated list; blanks dropped. */
export const list = () =>
  z.string().transform((raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** URL whose scheme is one of `protocols` (without the colon). */
export const url = (protocols: readonly string[]) =>
  z.string().transform((raw, ctx) => {
    try {
      const u = new URL(raw.trim());
      if (!protocols.includes(u.protocol.slice(0, -1))) throw new Error('scheme');
      return raw.trim();
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}` });
      return z.NEVER;
    }
  });

/** Secret string with a minimum length; its value never appears in messages (see SECRET_KEYS). */
export const secret = (minLength: number) =>
  z.string().transform((raw, ctx) => {
    if (raw.length < minLength) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${minLength} characters` });
      return z.NEVER;
    }
    return raw;
  });

/** Plain non-empty string. */
export const str = () => z.string().trim().min(1, 'must not be empty');
