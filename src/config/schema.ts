/**
 * The one schema for every environment variable the service reads, composed from one section
 * per concern (src/config/sections). Keys are the environment variable names so `.env.example`,
 * the README table and `/config` line up 1:1. Defaults are strings because they go through the
 * same parsing as real input (`prefault`).
 */
import { z } from 'zod';
import { server } from './sections/server.js';
import { security } from './sections/security.js';
import { lifecycle } from './sections/lifecycle.js';
import { platform } from './sections/platform.js';

export const envSchema = z.object({ ...server, ...security, ...lifecycle, ...platform });

/** Variables whose values are secret: never logged, never shown by /config, never echoed in errors. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['ADMIN_TOKEN']);
/** Variables holding URLs whose credentials must be masked wherever they are shown. */
export const URL_KEYS: ReadonlySet<string> = new Set<string>([]);
