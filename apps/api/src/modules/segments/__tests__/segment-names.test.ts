import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ClmError } from '../../../core/errors';
import { createMigrator, migrate, MIGRATIONS } from '../../../database/data-source';
import { SegmentNameKeys1765000000000 } from '../../../database/migrations/1765000000000-segment-name-keys';
import { createTestContext, createTestDatabase } from '../../../testing';
import type { TestContext } from '../../../testing';

const RULE = { field: { field: 'ORDERS', operator: 'EXISTS' } };

/** Names unique whatever their case, in every script (see core/case-fold.ts for what "the same name" means). */
describe('segment names', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  const create = (name: string) => context.services.segments.create({ name, rule: RULE }, 'test');
  const refusal = (write: Promise<unknown>) =>
    write.then(
      () => null,
      (error: unknown) => (error instanceof ClmError ? { code: error.code, message: error.message, details: error.details } : error),
    );
  const taken = (name: string) => ({
    code: 'SEGMENT_EXISTS',
    message: `input.name: another segment is already named "${name}"`,
    details: { field: 'input.name' },
  });

  it.each([
    ['Straße', 'STRASSE'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['Σίσυφος', 'ΣΊΣΥΦΟς'],
    ['Ärger', 'a\u0308RGER'],
    ['İzmir', 'i\u0307zmir'],
    ['Dış', 'DIŞ'],
  ])('refuses %j once %j exists, when creating and when renaming', async (first, second) => {
    await create(first);
    expect(await refusal(create(second))).toEqual(taken(second));
    const other = await create(`${first} other`);
    expect(await refusal(context.services.segments.update(other.id, { name: second }, 'test'))).toEqual(taken(second));
  });

  it.each([
    ['İpek', 'ipek'],
    ['Ärmel', 'Armel'],
  ])('keeps %j and %j apart (they differ in more than case)', async (first, second) => {
    await create(first);
    expect((await create(second)).name).toBe(second);
  });

  it('lets a segment be renamed to a case variant of its own name', async () => {
    const segment = await create('Große Kunden');
    expect((await context.services.segments.update(segment.id, { name: 'GROSSE KUNDEN' }, 'test')).name).toBe('GROSSE KUNDEN');
  });

  it('refuses every case variant of a stored name, in any script (property, against PostgreSQL)', async () => {
    let serial = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((text) => text.trim() === text && text !== ''),
        fc.constantFrom<Array<(text: string) => string>>(
          [(text) => text.toUpperCase()],
          [(text) => text.toLowerCase()],
          [(text) => text.normalize('NFD')],
          [(text) => [...text].map((char, index) => (index % 2 === 0 ? char.toUpperCase() : char.toLowerCase())).join('')],
        ),
        async (text, [variant]) => {
          serial += 1;
          const name = `p${serial} ${text}`;
          const created = await refusal(create(name));
          if (created !== null) return; // a name the validation refuses (control characters): not this property's business
          const other = variant(name);
          expect(await refusal(create(other))).toEqual(taken(other.trim()));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the migration to case-folded name keys', () => {
  it('keeps the oldest of names that collide under the new rule and numbers the others', async () => {
    const database = await createTestDatabase();
    try {
      await migrate(database.url);
      const migrator = createMigrator(database.url);
      await migrator.initialize();
      try {
        // Back to just before the migration to name keys: the ones after it first.
        for (let undone = MIGRATIONS.length; undone > MIGRATIONS.indexOf(SegmentNameKeys1765000000000); undone--)
          await migrator.undoLastMigration({ transaction: 'all' });
        const insert = (name: string, minutes: number) =>
          migrator.query(`INSERT INTO segments (name, rule, created_at) VALUES ($1, '{}', now() - $2 * interval '1 minute')`, [
            name,
            minutes,
          ]);
        await insert('Straße', 3);
        await insert('STRASSE', 2);
        await insert('strasse (2)', 1);
        await insert('ΟΔΟΣ', 1);
        await insert('Other', 0);
        await migrator.runMigrations({ transaction: 'all' });
        const rows: Array<{ name: string; name_key: string }> = await migrator.query(
          `SELECT name, name_key FROM segments ORDER BY created_at, name`,
        );
        expect(rows).toEqual([
          { name: 'Straße', name_key: 'strasse' },
          { name: 'STRASSE (2)', name_key: 'strasse (2)' },
          { name: 'strasse (2) (2)', name_key: 'strasse (2) (2)' },
          { name: 'ΟΔΟΣ', name_key: 'οδος' },
          { name: 'Other', name_key: 'other' },
        ]);
      } finally {
        await migrator.destroy();
      }
    } finally {
      await database.drop();
    }
  });
});
