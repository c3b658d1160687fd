/**
 * /api/v1/notes: the example resource, owned by the user who writes it.
 *   POST   /notes          create (201 + Location)
 *   GET    /notes          your notes, newest first, cursor pagination (admins: everyone's)
 *   GET    /notes/:id      one note
 *   PATCH  /notes/:id      change title and/or body
 *   DELETE /notes/:id      delete (204)
 * Every route needs a signed-in user (app.authenticate); another user's note answers 404, as if it
 * did not exist. Creating or changing a note enqueues the internal `note-stats` job in the same
 * transaction (app.queue.transaction): both are saved or neither is. A fork's own resource follows
 * the same pattern: docs/GUIDE.md.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Prisma } from '../../../generated/prisma/client.js';
import { isAdmin, type Principal } from '../../../auth/principal.js';
import { errorRef } from '../../../http/error-envelope.js';
import { HttpError } from '../../../http/errors.js';
import { decodeCursor, Page, PageQuery, toPage } from '../../../http/pagination.js';

const Note = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    title: Type.String({ examples: ['Groceries'] }),
    body: Type.String({ examples: ['Eggs, flour, milk'] }),
    wordCount: Type.Union([Type.Integer(), Type.Null()], { description: 'Filled in by the note-stats job shortly after a write' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Note' },
);
const Title = Type.String({ minLength: 1, maxLength: 200, examples: ['Groceries'] });
const Body = Type.String({ maxLength: 20_000, examples: ['Eggs, flour, milk'] });
const NoteParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

type NoteRow = Prisma.NoteGetPayload<object>;
const toDto = (n: NoteRow) => ({ ...n, createdAt: n.createdAt.toISOString(), updatedAt: n.updatedAt.toISOString() });

/** The notes `principal` may see: its own, or everyone's for an admin. */
const visibleTo = (principal: Principal): Prisma.NoteWhereInput => (isAdmin(principal) ? {} : { ownerId: principal.kind === 'user' ? principal.id : '' });

const notes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['notes'];
  const security: Record<string, string[]>[] = [{ userJwt: [] }, { adminToken: [] }];
  const notFound = (id: string) => new HttpError(404, `Note ${id} not found`, { code: 'NOT_FOUND' });
  app.addHook('preHandler', app.authenticate);

  app.post(
    '/notes',
    {
      schema: {
        tags,
        security,
        summary: 'Write a note',
        body: Type.Object({ title: Title, body: Body }, { additionalProperties: false }),
        response: { 201: Note, 400: errorRef, 401: errorRef, 403: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      if (principal.kind !== 'user') throw new HttpError(403, 'Notes belong to users: sign in as one', { code: 'FORBIDDEN' });
      const note = await app.dbGuard(
        () =>
          app.queue.transaction(async (tx) => {
            const created = await tx.note.create({ data: { ...request.body, ownerId: principal.id } });
            await app.queue.enqueue({ type: 'note-stats', payload: { noteId: created.id } }, { tx, ownerId: principal.id });
            return created;
          }),
        { retry: false },
      );
      return reply.code(201).header('location', `${app.prefix}/notes/${note.id}`).send(toDto(note));
    },
  );

  app.get(
    '/notes',
    {
      schema: {
        tags,
        security,
        summary: 'List your notes, newest first',
        querystring: Type.Object(PageQuery),
        response: { 200: Page(Note, 'NotePage'), 400: errorRef, 401: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      const after = cursor === undefined ? null : decodeCursor(cursor);
      const rows = await app.dbGuard((db) =>
        db.note.findMany({
          where: {
            ...visibleTo(request.principal!),
            ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
          },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: limit + 1,
        }),
      );
      const page = toPage(rows, limit);
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/notes/:id',
    { schema: { tags, security, summary: 'Read a note', params: NoteParams, response: { 200: Note, 400: errorRef, 401: errorRef, 404: errorRef, 503: errorRef } } },
    async (request) => {
      const { id } = request.params;
      const note = await app.dbGuard((db) => db.note.findFirst({ where: { id, ...visibleTo(request.principal!) } }));
      if (!note) throw notFound(id);
      return toDto(note);
    },
  );

  app.patch(
    '/notes/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Change a note',
        params: NoteParams,
        body: Type.Object({ title: Type.Optional(Title), body: Type.Optional(Body) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Note, 400: errorRef, 401: errorRef, 404: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      const { id } = request.params;
      const note = await app.dbGuard(() =>
        app.queue.transaction(async (tx) => {
          const { count } = await tx.note.updateMany({ where: { id, ...visibleTo(request.principal!) }, data: request.body });
          if (!count) return null;
          const updated = await tx.note.findUnique({ where: { id } });
          await app.queue.enqueue({ type: 'note-stats', payload: { noteId: id } }, { tx, ownerId: updated?.ownerId });
          return updated;
        }),
      );
      if (!note) throw notFound(id);
      return toDto(note);
    },
  );

  app.delete(
    '/notes/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a note',
        params: NoteParams,
        response: { 204: Type.Null({ description: 'Deleted' }), 400: errorRef, 401: errorRef, 404: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { count } = await app.dbGuard((db) => db.note.deleteMany({ where: { id, ...visibleTo(request.principal!) } }));
      if (!count) throw notFound(id);
      return reply.code(204).send(null);
    },
  );
};

export default notes;
