import { Type } from 'typebox';

/** The one error body every route can return (see plugins/app/error-handler.ts). */
export const ErrorEnvelope = Type.Object(
  {
    statusCode: Type.Integer({ examples: [503] }),
    error: Type.String({ examples: ['Service Unavailable'] }),
    message: Type.String({ examples: ['Database unavailable, retry later'] }),
    requestId: Type.String(),
    code: Type.Optional(Type.String()),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'ErrorEnvelope', title: 'Error' },
);

export const errorRef = Type.Ref('ErrorEnvelope');

export const CheckResult = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  critical: Type.Boolean(),
  latencyMs: Type.Number(),
  mode: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
