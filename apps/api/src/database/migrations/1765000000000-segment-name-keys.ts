import type { MigrationInterface, QueryRunner } from 'typeorm';
import { caseFoldKey } from '../../core/case-fold';

/**
 * Segment names unique whatever their case, in every script. The index on
 * `lower(name)` folded ASCII only (the C locale of the embedded server; libc
 * locales differ between servers, and `lower` is not case folding: `Straße`
 * and `STRASSE`, `ΟΔΟΣ` and `οδοσ` stayed distinct). Each name now carries
 * its key from `caseFoldKey` (core/case-fold.ts, which says what "the same
 * name" means), computed by clm, so every server build agrees; the unique
 * index is on that key.
 *
 * Segments whose names collide under the new rule keep the oldest one's name;
 * each later one gets " (2)", " (3)", … appended, so none is lost.
 */
export class SegmentNameKeys1765000000000 implements MigrationInterface {
  name = 'SegmentNameKeys1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE segments ADD COLUMN name_key text`);
    await queryRunner.query(`DROP INDEX segments_name_key`);
    const rows: Array<{ id: string; name: string }> = await queryRunner.query(`SELECT id, name FROM segments ORDER BY created_at, id`);
    const taken = new Set<string>();
    for (const row of rows) {
      let name = row.name;
      for (let copy = 2; taken.has(caseFoldKey(name)); copy++) name = `${row.name} (${copy})`;
      taken.add(caseFoldKey(name));
      await queryRunner.query(`UPDATE segments SET name = $2, name_key = $3 WHERE id = $1`, [row.id, name, caseFoldKey(name)]);
    }
    await queryRunner.query(`ALTER TABLE segments ALTER COLUMN name_key SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX segments_name_key ON segments (name_key)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX segments_name_key`);
    await queryRunner.query(`ALTER TABLE segments DROP COLUMN name_key`);
    await queryRunner.query(`CREATE UNIQUE INDEX segments_name_key ON segments (lower(name))`);
  }
}
