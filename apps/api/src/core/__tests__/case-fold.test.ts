import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { caseFoldKey } from '../case-fold';

describe('caseFoldKey', () => {
  it.each([
    ['Straße', 'STRASSE'],
    ['Straße', 'strasse'],
    ['STRAẞE', 'straße'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['ΟΔΟΣ', 'οδος'],
    ['σίσυφος', 'ΣΊΣΥΦΟΣ'],
    ['Ä', 'a\u0308'],
    ['ÉCOLE', 'école'],
    ['İstanbul', 'i\u0307stanbul'],
    ['dış', 'DIŞ'],
    ['ǅemal', 'ǆemal'],
    ['Ǆemal', 'ǆemal'],
    ['ＡＢＣ', 'ａｂｃ'],
    ['ﬁle', 'FILE'],
    ['Paying customers', 'PAYING CUSTOMERS'],
  ])('treats %j and %j as the same name', (left, right) => {
    expect(caseFoldKey(left)).toBe(caseFoldKey(right));
  });

  it.each([
    ['Ä', 'A'],
    ['İstanbul', 'istanbul'],
    ['İstanbul', 'Istanbul'],
    ['ＡＢＣ', 'ABC'],
    ['Paying customers', 'Paying  customers'],
  ])('tells %j and %j apart', (left, right) => {
    expect(caseFoldKey(left)).not.toBe(caseFoldKey(right));
  });

  it('gives every case variant of any text the key of the text itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (text) => {
        const key = caseFoldKey(text);
        expect(caseFoldKey(text.toUpperCase())).toBe(key);
        expect(caseFoldKey(text.toLowerCase())).toBe(key);
        expect(caseFoldKey(text.normalize('NFD'))).toBe(key);
        expect(caseFoldKey(key)).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps names apart that differ in more than case: a letter changed to another that is not a case variant', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }), fc.nat(), (text, at) => {
        const index = at % text.length;
        const changed = `${text.slice(0, index)}${text[index] === '#' ? '%' : '#'}${text.slice(index + 1)}`;
        expect(caseFoldKey(changed)).not.toBe(caseFoldKey(text));
      }),
    );
  });
});
