import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isSpecifiedScalarType } from 'graphql';
import { printClmSchema, SCHEMA_FILE } from '../emit-schema';
import { buildClmSchema } from '../schema';

describe('the GraphQL schema', () => {
  it('matches the committed packages/schema/schema.graphql (run `npm run emit-schema -w @clm/api` after changing the API)', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await printClmSchema());
  });

  it('describes every type, field, argument and enum value', async () => {
    const schema = await buildClmSchema();
    const undocumented: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
      if (!type.description) undocumented.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undocumented.push(`${type.name}.${field.name}`);
          for (const argument of 'args' in field ? field.args : []) {
            if (!argument.description) undocumented.push(`${type.name}.${field.name}(${argument.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) undocumented.push(`${type.name}.${value.name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
