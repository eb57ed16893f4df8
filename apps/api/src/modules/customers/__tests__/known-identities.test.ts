import { KnownIdentities } from '../known-identities';

describe('KnownIdentities', () => {
  const reference = (externalId: string | null, email: string | null, id: string | null = null) => ({ id, externalId, email });

  it('says a claim may create a customer only when it names no id and none of its identities is known', () => {
    const known = new KnownIdentities();
    known.add({ externalId: 'u-1', email: null });
    known.add({ externalId: null, email: 'ada@example.com' });
    expect(known.mayCreate(reference('u-1', null))).toBe(false);
    expect(known.mayCreate(reference('u-2', 'ada@example.com'))).toBe(false);
    expect(known.mayCreate(reference(null, null, '00000000-0000-4000-8000-000000000000'))).toBe(false);
    expect(known.mayCreate(reference('u-2', 'grace@example.com'))).toBe(true);
    // An externalId and an email are different keys, even when the texts are equal.
    expect(known.mayCreate(reference(null, 'u-1'))).toBe(true);
  });

  it('starts over when full, so it never holds more than its capacity', () => {
    const known = new KnownIdentities(2);
    known.add({ externalId: 'a', email: 'a@example.com' });
    expect(known.mayCreate(reference('a', null))).toBe(false);
    known.add({ externalId: 'b', email: null });
    expect(known.mayCreate(reference('a', null))).toBe(true);
    expect(known.mayCreate(reference('b', null))).toBe(false);
  });
});
