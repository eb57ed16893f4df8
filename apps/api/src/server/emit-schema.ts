import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildClmSchema } from './schema';

/** Where the committed SDL lives: packages/schema/schema.graphql. */
export const SCHEMA_FILE = path.resolve(__dirname, '../../../../packages/schema/schema.graphql');

/** The schema as SDL, sorted so the file only changes when the API does. */
export async function printClmSchema(): Promise<string> {
  return `# Emitted from @clm/api by \`npm run emit-schema\`; do not edit by hand.\n\n${printSchema(lexicographicSortSchema(await buildClmSchema()))}\n`;
}

if (require.main === module) {
  printClmSchema().then((sdl) => {
    writeFileSync(SCHEMA_FILE, sdl);
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  });
}
