import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonListText, jsonValueText, parseJsonList, parseJsonText, parseTextList, sameJson, textListText } from '../json-text';

/** JSON values that survive JSON.stringify unchanged (no -0). */
const json = fc.jsonValue().filter((value) => sameJson(JSON.parse(JSON.stringify(value)), value));

describe('JSON and lists as typed text', () => {
  it('reads JSON where it parses and text where it does not', () => {
    expect(parseJsonText(' 5 ')).toBe(5);
    expect(parseJsonText('"5"')).toBe('5');
    expect(parseJsonText('true')).toBe(true);
    expect(parseJsonText('["gold", "silver"]')).toEqual(['gold', 'silver']);
    expect(parseJsonText(' gold ')).toBe('gold');
    expect(parseJsonText('  ')).toBeNull();
  });

  it('writes a value plainly when that reads back the same, else as JSON', () => {
    expect(jsonValueText('gold')).toBe('gold');
    expect(jsonValueText('5')).toBe('"5"');
    expect(jsonValueText(' gold')).toBe('" gold"');
    expect(jsonValueText('')).toBe('""');
    expect(jsonValueText(null)).toBe('');
  });

  it('reads and writes lists, falling back to a JSON array when an item holds a comma', () => {
    expect(parseTextList('web, email,, ')).toEqual(['web', 'email']);
    expect(textListText(['web', 'email'])).toBe('web, email');
    expect(textListText(['shop, east'])).toBe('["shop, east"]');
    expect(parseTextList('["shop, east"]')).toEqual(['shop, east']);
    expect(parseJsonList('1, "2", pro')).toEqual([1, '2', 'pro']);
    expect(jsonListText([{ a: 1, b: 2 }])).toBe('[{"a":1,"b":2}]');
  });

  it('reads back every JSON value, text list and JSON list exactly as it was written', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(parseJsonText(jsonValueText(value))).toEqual(value);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.string().filter((text) => text !== '')), (items) => {
        expect(parseTextList(textListText(items))).toEqual(items);
      }),
    );
    fc.assert(
      fc.property(fc.array(json.filter((value) => value !== null)), (items) => {
        expect(parseJsonList(jsonListText(items))).toEqual(items);
      }),
    );
  });
});
