/**
 * The key under which two names are "the same name" whatever their case, for
 * every script, on any PostgreSQL build (no ICU or server locale involved:
 * `lower()` under the C locale folds ASCII only, and ICU may be missing or
 * differ in version between servers).
 *
 * Definition: the canonical composition (NFC) of the name mapped to
 * lowercase, then uppercase, then lowercase, with Unicode's full,
 * language-independent case mappings (JavaScript's `toLowerCase` /
 * `toUpperCase`). Every case variant of a name maps to one key:
 * - `Straße`, `STRASSE`, `strasse` and `STRAẞE` are the same name (ß uppercases to SS);
 * - `ΟΔΟΣ`, `οδοσ` and `οδος` are the same (σ, ς and Σ are one letter; ς is σ at a word's end);
 * - `ﬁle` (with the ligature) and `FILE` are the same (ﬁ uppercases to FI);
 * - `Ä` and `A` followed by a combining diaeresis are the same (canonically equivalent), `Ä` and `A` are not;
 * - Turkish: `İ` (I with a dot above) is the same as `i̇` (i with a combining dot), not as `I` or `i`,
 *   and the dotless `ı` is the same as `I` and `i` (its uppercase is `I`): names carry no language, so
 *   Turkish casing (i ↔ İ, ı ↔ I) is not assumed.
 */
export function caseFoldKey(text: string): string {
  return text.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().normalize('NFC');
}
