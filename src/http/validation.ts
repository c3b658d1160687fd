/**
 * Strict body types. Fastify validates every part of a request with one Ajv whose coerceTypes
 * turns "5" into 5 and [5] into 5: right for query strings and path parameters (they are text),
 * wrong for JSON bodies, where a client that sends `"delayMs": "5"` or `"maxAttempts": true` has
 * made a mistake we should report. So bodies get their own Ajv, identical but without coercion
 * (Fastify's documented `schemaController.compilersFactory.buildValidator`, built from Fastify's
 * own compiler, @fastify/ajv-compiler, so formats and options stay the same).
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type BuildValidator = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>;

export function strictBodySchemaController(): FastifyServerOptions['schemaController'] {
  const pool = AjvCompiler();
  const buildValidator: BuildValidator = (externalSchemas, options) => {
    const coercing = pool(externalSchemas, options);
    const noCoercion = { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } } as typeof options;
    const strict = pool(externalSchemas, noCoercion);
    return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
  };
  return { compilersFactory: { buildValidator } };
}
