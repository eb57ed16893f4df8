import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { migrate } from '../../database/data-source';
import { createTestDatabase } from '../../testing';
import type { TestDatabase } from '../../testing';
import { MODULE_MANIFEST, MODULE_PARTS, PLATFORM_TABLES } from '../manifest';

const MODULES_DIR = path.resolve(__dirname, '..');

/** The module owning `table` by the manifest (`metric_*` is a prefix), or null. */
function ownerOf(table: string): string | null {
  const owners = MODULE_MANIFEST.filter((module) =>
    module.tables.some((owned) => (owned.endsWith('*') ? table.startsWith(owned.slice(0, -1)) : owned === table)),
  );
  if (owners.length > 1) throw new Error(`${table} is owned by ${owners.map((module) => module.name).join(' and ')}`);
  return owners[0]?.name ?? null;
}

/** A module's source files (tests excluded), relative to modules/. */
function sourceFiles(module: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(MODULES_DIR, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === '__tests__' ? [] : walk(relative);
      return entry.name.endsWith('.ts') ? [relative] : [];
    });
  return walk(module);
}

/** Every table a file's SQL names after FROM, JOIN, INTO, UPDATE or TABLE (comments left out; SQL keywords are upper case here). */
function tablesNamedIn(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:ONLY\s+)?([a-z_][a-z0-9_]*)\b/g)].map((match) => match[1]);
}

/**
 * Reads of other modules' tables still written out, each to go once its owner
 * exports the relation. The test fails when an entry is no longer true, so the
 * list only shrinks; it is empty now, and stays so.
 */
const PENDING: readonly string[] = [];

describe('the module manifest', () => {
  it('describes the same modules as modules/manifest.ts, and every folder under modules/', () => {
    const names = MODULE_MANIFEST.map((module) => module.name);
    expect([...names].sort()).toEqual(Object.keys(MODULE_PARTS).sort());
    const folders = readdirSync(MODULES_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== '__tests__')
      .map((entry) => entry.name);
    expect([...folders].sort()).toEqual([...names].sort());
  });

  it('lists modules lowest first: each uses only modules listed before it, so dependencies point one way', () => {
    const seen = new Set<string>();
    for (const module of MODULE_MANIFEST) {
      expect({ module: module.name, unknownOrAbove: module.uses.filter((used) => !seen.has(used)) }).toEqual({
        module: module.name,
        unknownOrAbove: [],
      });
      seen.add(module.name);
    }
  });

  it("names no table twice, and no module table among the platform's", () => {
    const tables = MODULE_MANIFEST.flatMap((module) => module.tables);
    expect(new Set(tables).size).toBe(tables.length);
    expect(PLATFORM_TABLES.filter((table) => ownerOf(table) !== null)).toEqual([]);
  });
});

describe('table ownership', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('gives every table the migrations create exactly one owner: a module or the platform', async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const result = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
      );
      const tables = result.rows.map((row) => row.table_name);
      expect(tables.filter((table) => ownerOf(table) === null && !PLATFORM_TABLES.includes(table))).toEqual([]);
      // Every table the manifest names exists (a prefix matches at least one).
      const declared = MODULE_MANIFEST.flatMap((module) => module.tables);
      expect(
        declared.filter((owned) => !tables.some((table) => (owned.endsWith('*') ? table.startsWith(owned.slice(0, -1)) : owned === table))),
      ).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

describe("a module's SQL", () => {
  const reads = MODULE_MANIFEST.flatMap((module) =>
    sourceFiles(module.name).flatMap((file) =>
      tablesNamedIn(readFileSync(path.join(MODULES_DIR, file), 'utf8')).flatMap((table) => {
        const owner = ownerOf(table);
        return owner === null || owner === module.name ? [] : [`${file}: ${table} (owned by ${owner})`];
      }),
    ),
  );

  it("names only its own tables; another module's data comes through a relation that module exports", () => {
    expect([...new Set(reads)].filter((read) => !PENDING.includes(read)).sort()).toEqual([]);
  });

  it('still has each pending read (remove it from the list once it is gone)', () => {
    expect(PENDING.filter((read) => !reads.includes(read))).toEqual([]);
  });

  it('is found by the scan: keywords in SQL, not in comments', () => {
    expect(
      tablesNamedIn(`
        /* FROM hidden */
        // JOIN hidden
        const a = \`SELECT x FROM customers c LEFT JOIN segment_members m ON TRUE\`;
        const b = 'INSERT INTO touchpoints (id) VALUES (1)'; const c = 'UPDATE ONLY campaigns SET x = 1';
      `),
    ).toEqual(['customers', 'segment_members', 'touchpoints', 'campaigns']);
  });
});
