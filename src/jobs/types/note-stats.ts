/**
 * Internal job (no `public: true`): the notes routes enqueue it in the same transaction as the
 * write (app.queue.transaction + enqueue({ tx })), so a saved note always gets its stats and a
 * rolled-back one never does. It counts the words of the note as it is now and stores the count:
 * running it twice, or after a newer write, gives the same row, so at-least-once delivery is safe.
 */
import { Type } from 'typebox';
import { defineJob } from '../registry.js';

export const countWords = (text: string): number => text.split(/\s+/u).filter(Boolean).length;

export default defineJob({
  type: 'note-stats',
  description: "Counts a note's words and stores the count on the note",
  payload: Type.Object({ noteId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
  handler: async ({ noteId }, { db }) => {
    const note = await db.note.findUnique({ where: { id: noteId }, select: { title: true, body: true } });
    if (!note) return { noteId, deleted: true }; // deleted since: nothing to do
    const wordCount = countWords(`${note.title} ${note.body}`);
    // updateMany: a note deleted in between is zero rows, not an error.
    await db.note.updateMany({ where: { id: noteId }, data: { wordCount } });
    return { noteId, wordCount };
  },
});
