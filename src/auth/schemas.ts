/** The account shapes the API returns (routes and the OpenAPI document use these). */
import { Type } from 'typebox';

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { title: 'User' },
);

export const Session = Type.Object(
  {
    user: User,
    accessToken: Type.String({ description: 'Send as `Authorization: Bearer <accessToken>`' }),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
    refreshToken: Type.String({ description: 'Exchange at /api/v1/auth/refresh for a new session; single use' }),
  },
  { title: 'Session' },
);

