import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { CustomerRow } from '../customer.sql';
import { assignCustomers, CustomerDirectory, fillDetails } from '../identity';
import type { CustomerReference, IdentityClaim } from '../identity';

const NOW = new Date('2026-03-01T12:00:00Z');
const UNKNOWN_ID = '99999999-9999-4999-8999-999999999999';

/** A stored customer with the given identities. */
function known(id: string, externalId: string | null, email: string | null): CustomerRow {
  return {
    id,
    external_id: externalId,
    email,
    name: null,
    attributes: {},
    stage: 'engagement',
    stage_entered_at: new Date('2026-01-10T00:00:00Z'),
    funnel_stage: 'engagement',
    type_counts: { signup: 1, login: 1 },
    first_seen_at: new Date('2026-01-01T00:00:00Z'),
    last_seen_at: new Date('2026-01-10T00:00:00Z'),
    orders: 0,
    revenue: '0',
    created_at: new Date('2026-01-01T00:00:00Z'),
    updated_at: new Date('2026-01-10T00:00:00Z'),
  };
}

// Ada has both identities, Bo only an email, Cy only an externalId.
const ADA = known('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'ada-1', 'ada@example.com');
const BO = known('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', null, 'bo@example.com');
const CY = known('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'cy-1', null);

function directoryOf(...rows: CustomerRow[]): CustomerDirectory {
  const directory = new CustomerDirectory();
  directory.add(rows);
  return directory;
}

function claim(index: number, customer: Partial<CustomerReference>): IdentityClaim {
  return { index, customer: { id: null, externalId: null, email: null, anonymousId: null, name: null, attributes: {}, ...customer } };
}

describe('assignCustomers', () => {
  it('places a claim with an id on that customer, ignoring the externalId and email it also gives', () => {
    const claims = [claim(0, { id: ADA.id, externalId: 'cy-1', email: 'bo@example.com' })];
    expect(assignCustomers(claims, directoryOf(ADA, BO, CY), NOW)).toEqual({
      customerOf: new Map([[0, ADA.id]]),
      created: [],
      links: new Map(),
      emails: new Map(),
      anonymous: new Map(),
      joins: [],
      rejected: [],
    });
  });

  // This placed the claim on Cy and dropped the email (a later email-only event then created a second customer).
  it('places a claim by externalId before email, and gives that customer the email it lacked', () => {
    const claims = [claim(0, { externalId: 'cy-1', email: 'new@example.com' })];
    expect(assignCustomers(claims, directoryOf(ADA, BO, CY), NOW)).toEqual({
      customerOf: new Map([[0, CY.id]]),
      created: [],
      links: new Map(),
      emails: new Map([[CY.id, 'new@example.com']]),
      anonymous: new Map(),
      joins: [],
      rejected: [],
    });
  });

  it("places a claim by externalId on a customer with another email without taking the claim's email (nothing is replaced)", () => {
    const claims = [claim(0, { externalId: 'ada-1', email: 'new@example.com' }), claim(1, { email: 'new@example.com' })];
    const assignment = assignCustomers(claims, directoryOf(ADA, BO, CY), NOW);
    expect(assignment.customerOf.get(0)).toBe(ADA.id);
    expect(assignment.created.map((row) => [row.external_id, row.email])).toEqual([[null, 'new@example.com']]);
    expect(assignment.customerOf.get(1)).toBe(assignment.created[0].id);
    expect([assignment.links, assignment.emails, assignment.rejected]).toEqual([new Map(), new Map(), []]);
  });

  it('places a claim by email when its externalId is unknown and links that externalId to the customer who had none', () => {
    const claims = [claim(0, { externalId: 'bo-1', email: 'bo@example.com' })];
    expect(assignCustomers(claims, directoryOf(ADA, BO, CY), NOW)).toEqual({
      customerOf: new Map([[0, BO.id]]),
      created: [],
      links: new Map([[BO.id, 'bo-1']]),
      emails: new Map(),
      anonymous: new Map(),
      joins: [],
      rejected: [],
    });
  });

  it('rejects an unknown id, naming customer.id, and creates nobody', () => {
    const claims = [claim(0, { id: UNKNOWN_ID, externalId: 'someone-new', email: 'new@example.com' })];
    expect(assignCustomers(claims, directoryOf(ADA), NOW)).toEqual({
      customerOf: new Map(),
      created: [],
      links: new Map(),
      emails: new Map(),
      anonymous: new Map(),
      joins: [],
      rejected: [{ index: 0, field: 'customer.id', message: `no customer with id "${UNKNOWN_ID}"` }],
    });
  });

  it('rejects an externalId and an email of two different customers, naming customer', () => {
    const claims = [claim(0, { externalId: 'cy-1', email: 'ada@example.com' })];
    expect(assignCustomers(claims, directoryOf(ADA, BO, CY), NOW)).toEqual({
      customerOf: new Map(),
      created: [],
      links: new Map(),
      emails: new Map(),
      anonymous: new Map(),
      joins: [],
      rejected: [{ index: 0, field: 'customer', message: 'externalId "cy-1" and email "ada@example.com" belong to different customers' }],
    });
  });

  it('rejects an email owned by a customer with another externalId, naming customer.email', () => {
    const claims = [claim(0, { externalId: 'ada-2', email: 'ada@example.com' })];
    expect(assignCustomers(claims, directoryOf(ADA, BO, CY), NOW)).toEqual({
      customerOf: new Map(),
      created: [],
      links: new Map(),
      emails: new Map(),
      anonymous: new Map(),
      joins: [],
      rejected: [{ index: 0, field: 'customer.email', message: '"ada@example.com" belongs to a customer with another externalId' }],
    });
  });

  it('links an email-known customer once: later claims with that externalId find them, and another externalId is refused', () => {
    const claims = [
      claim(0, { externalId: 'bo-1', email: 'bo@example.com' }),
      claim(1, { externalId: 'bo-1', email: 'bo@example.com' }),
      claim(2, { externalId: 'bo-1' }),
      claim(3, { externalId: 'bo-2', email: 'bo@example.com' }),
    ];
    expect(assignCustomers(claims, directoryOf(ADA, BO, CY), NOW)).toEqual({
      customerOf: new Map([
        [0, BO.id],
        [1, BO.id],
        [2, BO.id],
      ]),
      created: [],
      links: new Map([[BO.id, 'bo-1']]),
      emails: new Map(),
      anonymous: new Map(),
      joins: [],
      rejected: [{ index: 3, field: 'customer.email', message: '"bo@example.com" belongs to a customer with another externalId' }],
    });
  });

  it('creates a new customer once however many claims name it, from the first claim that does', () => {
    const claims = [
      claim(0, { externalId: 'nia-1', email: 'nia@example.com', name: 'Nia', attributes: { plan: 'pro' } }),
      claim(1, { externalId: 'nia-1', name: 'Someone else' }),
      claim(2, { email: 'nia@example.com' }),
      claim(3, { externalId: 'nia-1', email: 'nia@example.com' }),
    ];
    const assignment = assignCustomers(claims, directoryOf(ADA, BO, CY), NOW);
    const nia = assignment.customerOf.get(0);
    expect(assignment.customerOf).toEqual(
      new Map([
        [0, nia],
        [1, nia],
        [2, nia],
        [3, nia],
      ]),
    );
    expect(assignment.created).toEqual([
      {
        id: nia,
        external_id: 'nia-1',
        email: 'nia@example.com',
        name: 'Nia',
        attributes: { plan: 'pro' },
        stage: null,
        stage_entered_at: null,
        funnel_stage: null,
        type_counts: {},
        first_seen_at: null,
        last_seen_at: null,
        orders: 0,
        revenue: '0',
        created_at: NOW,
        updated_at: NOW,
      },
    ]);
    expect(assignment.links).toEqual(new Map());
    expect(assignment.rejected).toEqual([]);
  });

  it('lists new customers in claim order, each with its own id', () => {
    const claims = [claim(0, { externalId: 'new-b' }), claim(1, { email: 'new-a@example.com' }), claim(2, { externalId: 'new-b' })];
    const { customerOf, created } = assignCustomers(claims, directoryOf(ADA), NOW);
    expect(created.map((row) => [row.external_id, row.email])).toEqual([
      ['new-b', null],
      [null, 'new-a@example.com'],
    ]);
    expect(customerOf).toEqual(
      new Map([
        [0, created[0].id],
        [1, created[1].id],
        [2, created[0].id],
      ]),
    );
    expect(created[0].id).not.toBe(created[1].id);
  });

  it('links a customer created by email earlier in the batch to the externalId of a later claim', () => {
    const claims = [
      claim(0, { email: 'eve@example.com' }),
      claim(1, { externalId: 'eve-1', email: 'eve@example.com' }),
      claim(2, { externalId: 'eve-1' }),
    ];
    const { customerOf, created, links, rejected } = assignCustomers(claims, directoryOf(ADA), NOW);
    const eve = created[0].id;
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ external_id: null, email: 'eve@example.com' });
    expect(customerOf).toEqual(
      new Map([
        [0, eve],
        [1, eve],
        [2, eve],
      ]),
    );
    expect(links).toEqual(new Map([[eve, 'eve-1']]));
    expect(rejected).toEqual([]);
  });

  it.each([
    ['email first', [{ email: 'zoe@example.com' }, { externalId: 'zoe-1' }, { externalId: 'zoe-1', email: 'zoe@example.com' }]],
    ['externalId first', [{ externalId: 'zoe-1' }, { email: 'zoe@example.com' }, { externalId: 'zoe-1', email: 'zoe@example.com' }]],
    ['both first', [{ externalId: 'zoe-1', email: 'zoe@example.com' }, { email: 'zoe@example.com' }, { externalId: 'zoe-1' }]],
  ])('makes one new customer of claims by email only and by externalId only once a claim gives both (%s)', (_order, references) => {
    const assignment = assignCustomers(
      references.map((reference, index) => claim(index, reference)),
      directoryOf(ADA),
      NOW,
    );
    expect(assignment.created).toHaveLength(1);
    const zoe = assignment.created[0];
    expect(assignment.customerOf).toEqual(
      new Map([
        [0, zoe.id],
        [1, zoe.id],
        [2, zoe.id],
      ]),
    );
    const identities = [assignment.links.get(zoe.id) ?? zoe.external_id, assignment.emails.get(zoe.id) ?? zoe.email];
    expect(identities).toEqual(['zoe-1', 'zoe@example.com']);
    expect(assignment.rejected).toEqual([]);
  });

  it('folds a customer the batch would create into a stored one when a later claim shows them to be one person', () => {
    const claims = [claim(0, { email: 'cy@example.com' }), claim(1, { externalId: 'cy-1', email: 'cy@example.com' })];
    expect(assignCustomers(claims, directoryOf(ADA, BO, CY), NOW)).toEqual({
      customerOf: new Map([
        [0, CY.id],
        [1, CY.id],
      ]),
      created: [],
      links: new Map(),
      emails: new Map([[CY.id, 'cy@example.com']]),
      anonymous: new Map(),
      joins: [],
      rejected: [],
    });
  });

  it('does not fold a new customer into a stored one that holds another identity of the same kind', () => {
    // Ada has an email already: the new customer found by email is someone else.
    const claims = [claim(0, { email: 'other@example.com' }), claim(1, { externalId: 'ada-1', email: 'other@example.com' })];
    const assignment = assignCustomers(claims, directoryOf(ADA), NOW);
    expect(assignment.created.map((row) => row.email)).toEqual(['other@example.com']);
    expect(assignment.rejected).toEqual([
      { index: 1, field: 'customer', message: 'externalId "ada-1" and email "other@example.com" belong to different customers' },
    ]);
  });

  it('keeps placing the claims after a rejected one', () => {
    const claims = [claim(0, { id: UNKNOWN_ID }), claim(1, { externalId: 'ada-1' })];
    const assignment = assignCustomers(claims, directoryOf(ADA), NOW);
    expect(assignment.customerOf).toEqual(new Map([[1, ADA.id]]));
    expect(assignment.rejected.map((rejection) => rejection.index)).toEqual([0]);
  });

  it('does not change the directory or the rows it is given', () => {
    const directory = directoryOf(structuredClone(BO));
    assignCustomers([claim(0, { externalId: 'bo-1', email: 'bo@example.com' }), claim(1, { externalId: 'new-1' })], directory, NOW);
    expect([...directory.byId.values()]).toEqual([BO]);
    expect([...directory.byExternalId.keys()]).toEqual([]);
    expect([...directory.byEmail.keys()]).toEqual(['bo@example.com']);
  });

  describe('anonymousIds', () => {
    // Ann is an anonymous visitor (no externalId nor email) known by "visitor-a"; Cy also holds "visitor-c".
    const ANN = known('dddddddd-dddd-4ddd-8ddd-dddddddddddd', null, null);
    const directory = () => {
      const built = directoryOf(ADA, BO, CY, ANN);
      built.addIdentities([
        { kind: 'anonymous_id', value: 'visitor-a', customerId: ANN.id },
        { kind: 'anonymous_id', value: 'visitor-c', customerId: CY.id },
      ]);
      return built;
    };

    it('creates one anonymous customer for an unknown anonymousId however many claims name it, and gives it the anonymousId', () => {
      const assignment = assignCustomers(
        [claim(0, { anonymousId: 'new-visitor' }), claim(1, { anonymousId: 'new-visitor' })],
        directory(),
        NOW,
      );
      expect(assignment.created).toHaveLength(1);
      const [created] = assignment.created;
      expect(created).toMatchObject({ external_id: null, email: null });
      expect(assignment.customerOf).toEqual(
        new Map([
          [0, created.id],
          [1, created.id],
        ]),
      );
      expect(assignment.anonymous).toEqual(new Map([['new-visitor', created.id]]));
    });

    it('places a claim by its anonymousId only when it names no externalId or email', () => {
      const assignment = assignCustomers(
        [claim(0, { anonymousId: 'visitor-a' }), claim(1, { externalId: 'ada-1', anonymousId: 'new' })],
        directory(),
        NOW,
      );
      expect(assignment.customerOf).toEqual(
        new Map([
          [0, ANN.id],
          [1, ADA.id],
        ]),
      );
      expect(assignment.anonymous).toEqual(new Map([['new', ADA.id]]));
      expect(assignment.created).toEqual([]);
    });

    it('gives an anonymous customer the externalId and email of the first claim that names them with its anonymousId', () => {
      const assignment = assignCustomers(
        [claim(0, { externalId: 'ann-1', email: 'ann@example.com', anonymousId: 'visitor-a' })],
        directory(),
        NOW,
      );
      expect(assignment).toMatchObject({
        customerOf: new Map([[0, ANN.id]]),
        created: [],
        links: new Map([[ANN.id, 'ann-1']]),
        emails: new Map([[ANN.id, 'ann@example.com']]),
        joins: [],
      });
    });

    it('reports a join when a claim names a stored customer and another stored one that could be the same person, and places it by the higher identity', () => {
      const assignment = assignCustomers([claim(0, { externalId: 'ada-1', anonymousId: 'visitor-a' })], directory(), NOW);
      expect(assignment.customerOf).toEqual(new Map([[0, ADA.id]]));
      expect(assignment.joins).toEqual([{ index: 0, into: ADA.id, from: ANN.id, anonymousId: 'visitor-a' }]);
      expect(assignment.anonymous).toEqual(new Map());
    });

    it('reports no join between two customers with different externalIds (a shared device): the anonymousId stays where it was', () => {
      const assignment = assignCustomers([claim(0, { externalId: 'ada-1', anonymousId: 'visitor-c' })], directory(), NOW);
      expect(assignment).toMatchObject({ customerOf: new Map([[0, ADA.id]]), joins: [], anonymous: new Map() });
    });

    it('folds an anonymous customer the batch would create into the stored one a later claim names with the same anonymousId', () => {
      const assignment = assignCustomers(
        [claim(0, { anonymousId: 'new-visitor' }), claim(1, { externalId: 'cy-1', anonymousId: 'new-visitor' })],
        directory(),
        NOW,
      );
      expect(assignment).toMatchObject({
        customerOf: new Map([
          [0, CY.id],
          [1, CY.id],
        ]),
        created: [],
        anonymous: new Map([['new-visitor', CY.id]]),
        joins: [],
      });
    });

    it('makes an anonymous customer the batch creates known by the externalId a later claim gives with its anonymousId', () => {
      const assignment = assignCustomers(
        [claim(0, { anonymousId: 'new-visitor' }), claim(1, { externalId: 'new-user', anonymousId: 'new-visitor' })],
        directory(),
        NOW,
      );
      expect(assignment.created).toHaveLength(1);
      const [created] = assignment.created;
      expect(assignment.customerOf).toEqual(
        new Map([
          [0, created.id],
          [1, created.id],
        ]),
      );
      expect(assignment.links).toEqual(new Map([[created.id, 'new-user']]));
    });
  });

  describe('fillDetails', () => {
    const reference = (name: string | null, attributes: Record<string, string | null>) => ({
      id: null,
      externalId: null,
      email: null,
      anonymousId: null,
      name,
      attributes,
    });

    it('fills a missing name and missing attribute keys, and replaces nothing', () => {
      expect(fillDetails({ name: null, attributes: { plan: 'pro' } }, reference('Ada', { plan: 'free', country: 'de' }))).toEqual({
        name: 'Ada',
        attributes: { plan: 'pro', country: 'de' },
      });
      expect(fillDetails({ name: 'Ada', attributes: { plan: null } }, reference('Bo', { plan: 'free' }))).toBeNull();
    });
  });

  describe('for any order of claims naming a few new people many ways', () => {
    const forms = fc.array(fc.record({ person: fc.integer({ min: 0, max: 2 }), form: fc.constantFrom('x', 'e', 'xe'), tag: fc.nat() }), {
      maxLength: 10,
    });

    it('creates one customer for a person some claim names both ways, else one per way they are named', () => {
      fc.assert(
        fc.property(forms, (drawn) => {
          const claims = drawn.map(({ person, form }, index) =>
            claim(index, { externalId: form === 'e' ? null : `new-${person}`, email: form === 'x' ? null : `new-${person}@example.com` }),
          );
          const assignment = assignCustomers(claims, directoryOf(ADA), NOW);
          expect(assignment.rejected).toEqual([]);
          for (let person = 0; person < 3; person++) {
            const mine = drawn.map((entry, index) => ({ ...entry, index })).filter((entry) => entry.person === person);
            const kinds = new Set(mine.map((entry) => entry.form));
            const customers = new Set(mine.map((entry) => assignment.customerOf.get(entry.index)));
            expect(customers.size).toBe(kinds.size === 0 ? 0 : kinds.has('xe') || kinds.size === 1 ? 1 : 2);
          }
          expect(assignment.created).toHaveLength(new Set(assignment.customerOf.values()).size);
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('for any batch of claims over a few known customers', () => {
    // Small pools, so claims collide on identities often.
    const claimsArbitrary = fc
      .array(
        fc.record({
          id: fc.constantFrom(null, null, null, ADA.id, UNKNOWN_ID),
          externalId: fc.constantFrom(null, 'ada-1', 'cy-1', 'new-1', 'new-2'),
          email: fc.constantFrom(null, 'ada@example.com', 'bo@example.com', 'new-1@example.com', 'new-2@example.com'),
        }),
        { maxLength: 8 },
      )
      .map((references) => references.map((reference, index) => claim(index, reference)));

    /** Every customer after the assignment (known and new), with the externalIds and emails it gives them. */
    function customersAfter(assignment: ReturnType<typeof assignCustomers>): CustomerRow[] {
      return [ADA, BO, CY, ...assignment.created].map((row) => ({
        ...row,
        external_id: assignment.links.get(row.id) ?? row.external_id,
        email: assignment.emails.get(row.id) ?? row.email,
      }));
    }

    it('places every claim on exactly one customer or rejects it', () => {
      fc.assert(
        fc.property(claimsArbitrary, (claims) => {
          const assignment = assignCustomers(claims, directoryOf(ADA, BO, CY), NOW);
          const rejected = assignment.rejected.map((rejection) => rejection.index);
          expect([...assignment.customerOf.keys(), ...rejected].sort((a, b) => a - b)).toEqual(claims.map((item) => item.index));
        }),
        { numRuns: 500 },
      );
    });

    it('never gives two customers the same externalId or email', () => {
      fc.assert(
        fc.property(claimsArbitrary, (claims) => {
          const customers = customersAfter(assignCustomers(claims, directoryOf(ADA, BO, CY), NOW));
          for (const key of ['external_id', 'email'] as const) {
            const values = customers.map((row) => row[key]).filter((value) => value !== null);
            expect(new Set(values).size).toBe(values.length);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('places a claim without an id on the customer who holds its externalId afterwards, or its email when it gives only that', () => {
      fc.assert(
        fc.property(claimsArbitrary, (claims) => {
          const assignment = assignCustomers(claims, directoryOf(ADA, BO, CY), NOW);
          const byId = new Map(customersAfter(assignment).map((row) => [row.id, row]));
          for (const { index, customer } of claims) {
            const placed = assignment.customerOf.get(index);
            if (customer.id !== null || placed === undefined) continue;
            if (customer.externalId !== null) expect(byId.get(placed)?.external_id).toBe(customer.externalId);
            else expect(byId.get(placed)?.email).toBe(customer.email);
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
