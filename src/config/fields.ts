/**
 * Field builders for environment variables. Every env value arrives as a string; these turn it
 * into a typed value or fail with a message that reads well after the variable's name, e.g.
 * `PORT must be an integer 1-65535` (the loader appends `, got "..."`). `env()` attaches the
 * variable's documentation and handling (secret, masked URL, essential) to its schema, where the
 * loader, /config, the log redaction and `npm run docs:env` all read it.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

export interface EnvDoc {
  /** What it does, in a sentence or two (README table and .env.example). */
  doc: string;
  /** The default in words when it is derived rather than fixed, e.g. "3000 in production, else 0". */
  defaultText?: string;
  /** Never shown or logged: /config says "[set]", errors give only its length, log lines are redacted. */
  secret?: boolean;
  /** A URL that may carry credentials: shown with them masked, redacted in log lines. */
  credentialsUrl?: boolean;
  /** One of the handful of variables a deployment usually sets (README "Set these"); the rest are tuning knobs. */
  essential?: boolean;
  /** Shown under the variable in .env.example, e.g. the Railway reference variable to use. */
  hint?: string;
  /** Injected by the platform: read, not documented as something to set. */
  injected?: boolean;
  /** For a required variable: the value test configurations use. */
  testValue?: string;
}

/** Declare one variable: its parser (with its default) and its documentation. */
export const env = <T extends z.ZodType>(schema: T, doc: EnvDoc): T => schema.meta({ env: doc }) as T;

/** The documentation attached by env(), if any. */
export const envDoc = (schema: z.ZodType): EnvDoc | undefined => (schema.meta() as { env?: EnvDoc } | undefined)?.env;

export interface EnvSection<F extends Record<string, z.ZodType> = Record<string, z.ZodType>> {
  /** Heading in .env.example and the README. */
  title: string;
  fields: F;
  /** Old names still accepted: alias → name (used only when the name is unset). */
  aliases?: Readonly<Record<string, string>>;
}

export const section = <F extends Record<string, z.ZodType>>(title: string, fields: F, aliases?: Readonly<Record<string, string>>): EnvSection<F> => ({
  title,
  fields,
  ...(aliases ? { aliases } : {}),
});

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

/** String with a minimum length, for secrets (declare the variable with `secret: true`). */
export const minLength = (min: number) =>
  z.string().transform((raw, ctx) => {
    if (raw.length < min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${min} characters` });
      return z.NEVER;
    }
    return raw;
  });

/** Named address ranges proxy-addr understands, accepted in a TRUST_PROXY list. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Which proxies to believe about the client address: true/false (every hop / none), a hop count
 * (`1`: only the nearest proxy), or a comma list of addresses and CIDRs (`10.0.0.0/8, ::1`) and
 * the names loopback, linklocal, uniquelocal.
 */
export const trustProxy = () =>
  z.string().transform((raw, ctx): boolean | number | string[] => {
    const s = raw.trim().toLowerCase();
    if (TRUE.has(s) && s !== '1') return true;
    if (FALSE.has(s) && s !== '0') return false;
    if (/^\d+$/.test(s) && Number(s) <= 100) return Number(s);
    const entries = s.split(',').map((e) => e.trim()).filter(Boolean);
    const valid = (e: string) => {
      if (PROXY_RANGE_NAMES.has(e)) return true;
      try {
        if (e.includes('/')) ipaddr.parseCIDR(e);
        else ipaddr.parse(e);
        return ipaddr.isValid(e.split('/')[0]!);
      } catch {
        return false;
      }
    };
    if (entries.length && entries.every(valid)) return entries;
    ctx.addIssue({ code: 'custom', message: 'must be true, false, a hop count, or a comma list of addresses / CIDRs' });
    return z.NEVER;
  });

/** Plain non-empty string. */
export const str = () => z.string().trim().min(1, 'must not be empty');
