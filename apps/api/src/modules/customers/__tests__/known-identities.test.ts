import { KnownIdentities } from '../known-identities';

describe('KnownIdentities', () => {
  const reference = (externalId: string | null, email: string | null, id: string | null = null, anonymousId: string | null = null) => ({
    id,
    externalId,
    email,
    anonymousId,
  });

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

  it('knows the anonymousIds a stored customer was seen with, as keys of their own', () => {
    const known = new KnownIdentities();
    known.add({ externalId: null, email: null, anonymousIds: ['anon-1'] });
    expect(known.mayCreate(reference(null, null, null, 'anon-1'))).toBe(false);
    expect(known.mayCreate(reference(null, null, null, 'anon-2'))).toBe(true);
    expect(known.mayCreate(reference('anon-1', null))).toBe(true);
    // A known anonymousId makes the look-up before the transaction unneeded; the transaction creates whoever is still missing.
    expect(known.mayCreate(reference('u-9', null, null, 'anon-1'))).toBe(false);
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
