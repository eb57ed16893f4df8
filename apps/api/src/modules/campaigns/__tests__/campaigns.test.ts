import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Scope } from '../../../core/principal';
import { startTestServer } from '../../../testing';
import type { GraphQLResponse, TestServer } from '../../../testing';

/*
 * Campaigns over HTTP on a real PostgreSQL: CRUD, scopes, spend set and
 * overwritten (never added), the CSV import, unknown campaign keys read
 * from the daily touchpoint rollup (rows inserted here directly, as the
 * metrics projection would write them).
 */

const CAMPAIGN_FIELDS = 'key name channel startsOn endsOn';
const CREATE = `mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { ${CAMPAIGN_FIELDS} } }`;
const UPDATE = `mutation ($key: String!, $input: UpdateCampaignInput!) { updateCampaign(key: $key, input: $input) { ${CAMPAIGN_FIELDS} } }`;
const DELETE = `mutation ($key: String!) { deleteCampaign(key: $key) }`;
const RECORD = `mutation ($spend: [CampaignSpendInput!]!) { recordCampaignSpend(spend: $spend) { rows changed campaigns total } }`;
const IMPORT = `mutation ($csv: String!) { importCampaignSpend(csv: $csv) { rows changed campaigns total } }`;
const SPEND = `query ($key: String!, $from: String, $to: String) {
  campaign(key: $key) { spend(from: $from, to: $to) { total days { day amount } } }
}`;

type Errors = GraphQLResponse['errors'];

/** The first error's message, code and client details. */
function firstError(response: GraphQLResponse): Record<string, unknown> {
  const [error] = response.errors as NonNullable<Errors>;
  return { message: error.message, ...error.extensions };
}

describe('campaigns', () => {
  let server: TestServer;
  let readKey: string;
  let ingestKey: string;
  beforeAll(async () => {
    server = await startTestServer();
    readKey = await server.createKey([Scope.READ]);
    ingestKey = await server.createKey([Scope.INGEST]);
  });
  afterAll(async () => {
    await server.close();
  });

  const spendRows = () =>
    server.db.query<{ campaign_key: string; day: string; amount: string }>(
      `SELECT campaign_key, to_char(day, 'YYYY-MM-DD') AS day, amount::text FROM campaign_spend ORDER BY campaign_key, day`,
    );

  describe('CRUD', () => {
    it('creates, reads, lists, updates and deletes a campaign', async () => {
      const created = await server.graphql(CREATE, {
        input: { key: ' bf-2026 ', name: ' Black Friday ', channel: 'email', startsOn: '2026-11-20', endsOn: '2026-11-30' },
      });
      expect(created).toEqual({
        data: { createCampaign: { key: 'bf-2026', name: 'Black Friday', channel: 'email', startsOn: '2026-11-20', endsOn: '2026-11-30' } },
      });
      await server.graphql(CREATE, { input: { key: 'Spring', name: 'Spring', channel: 'paid_search', startsOn: '0001-01-01' } });

      expect(await server.graphql(`{ campaigns { key startsOn endsOn } }`, {}, readKey)).toEqual({
        data: {
          campaigns: [
            { key: 'bf-2026', startsOn: '2026-11-20', endsOn: '2026-11-30' },
            { key: 'Spring', startsOn: '0001-01-01', endsOn: null },
          ],
        },
      });
      expect(await server.graphql(`{ campaign(key: "spring") { key } }`, {}, readKey)).toEqual({ data: { campaign: null } });

      // Omitted fields stay; endsOn: null makes it open-ended.
      expect(await server.graphql(UPDATE, { key: 'bf-2026', input: { name: 'Black Friday 2026' } })).toEqual({
        data: {
          updateCampaign: { key: 'bf-2026', name: 'Black Friday 2026', channel: 'email', startsOn: '2026-11-20', endsOn: '2026-11-30' },
        },
      });
      expect(await server.graphql(UPDATE, { key: 'bf-2026', input: { endsOn: null, channel: 'social' } })).toEqual({
        data: {
          updateCampaign: { key: 'bf-2026', name: 'Black Friday 2026', channel: 'social', startsOn: '2026-11-20', endsOn: null },
        },
      });
      const [times] = await server.db.query<{ later: boolean }>(
        `SELECT updated_at > created_at AS later FROM campaigns WHERE key = 'bf-2026'`,
      );
      expect(times.later).toBe(true);

      expect(await server.graphql(DELETE, { key: 'Spring' })).toEqual({ data: { deleteCampaign: true } });
      expect(await server.graphql(DELETE, { key: 'Spring' })).toEqual({ data: { deleteCampaign: false } });
      expect(await server.graphql(`{ campaign(key: "Spring") { key } }`)).toEqual({ data: { campaign: null } });
    });

    it('refuses a taken key (CONFLICT) and an unknown one on update (NOT_FOUND)', async () => {
      const taken = await server.graphql(CREATE, { input: { key: 'bf-2026', name: 'Again', channel: 'email', startsOn: '2026-01-01' } });
      expect(firstError(taken)).toEqual({
        message: 'input.key: a campaign with key "bf-2026" already exists',
        code: 'CONFLICT',
        field: 'input.key',
      });
      const missing = await server.graphql(UPDATE, { key: 'nope', input: { name: 'x' } });
      expect(firstError(missing)).toEqual({ message: 'key: no campaign with key "nope"', code: 'NOT_FOUND', field: 'key' });
    });

    it('refuses bad fields, naming each, and an end before the start of the merged campaign', async () => {
      const bad = await server.graphql(CREATE, { input: { key: 'x\u0000', name: '', channel: 'E-mail', startsOn: '2026-02-30' } });
      expect(firstError(bad)).toEqual({
        message:
          'campaign not created (4 problems): input.key: contains a NUL character (\\u0000), which cannot be stored; input.name: is required (a name to show); input.channel: "E-mail" must be lowercase snake_case (letters, digits, _), starting with a letter, at most 64 characters; input.startsOn: "2026-02-30" is not a date; write YYYY-MM-DD, a real day in the years 0001–9999',
        code: 'BAD_USER_INPUT',
        field: 'input.key',
        issueCount: 4,
        issues: [
          { path: 'input.key', message: 'input.key: contains a NUL character (\\u0000), which cannot be stored' },
          { path: 'input.name', message: 'input.name: is required (a name to show)' },
          {
            path: 'input.channel',
            message:
              'input.channel: "E-mail" must be lowercase snake_case (letters, digits, _), starting with a letter, at most 64 characters',
          },
          {
            path: 'input.startsOn',
            message: 'input.startsOn: "2026-02-30" is not a date; write YYYY-MM-DD, a real day in the years 0001–9999',
          },
        ],
      });
      const backwards = await server.graphql(UPDATE, { key: 'bf-2026', input: { endsOn: '2026-11-19' } });
      expect(firstError(backwards)).toMatchObject({
        message:
          'campaign not updated (1 problem): input.endsOn: 2026-11-19 is before startsOn 2026-11-20; a campaign ends on or after its start',
        code: 'BAD_USER_INPUT',
        field: 'input.endsOn',
      });
      expect(await server.graphql(`{ campaign(key: "bf-2026") { endsOn } }`)).toEqual({ data: { campaign: { endsOn: null } } });
    });
  });

  describe('scopes', () => {
    it('lets a read key read but not write, and an ingest key do neither; nothing is written', async () => {
      const input = { key: 'sneaky', name: 'Sneaky', channel: 'email', startsOn: '2026-01-01' };
      expect(firstError(await server.graphql(CREATE, { input }, readKey))).toMatchObject({
        code: 'FORBIDDEN',
        message: 'Mutation.createCampaign needs the "admin" scope; key "test read" has read',
      });
      expect(
        firstError(await server.graphql(RECORD, { spend: [{ campaign: 'bf-2026', day: '2026-11-20', amount: 1 }] }, readKey)),
      ).toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(firstError(await server.graphql(IMPORT, { csv: 'campaign,day,amount\nbf-2026,2026-11-20,1' }, ingestKey))).toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(firstError(await server.graphql(`{ campaigns { key } }`, {}, ingestKey))).toMatchObject({ code: 'FORBIDDEN' });
      expect(firstError(await server.graphql(`{ unknownCampaigns { key } }`, {}, ingestKey))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await server.db.query(`SELECT key FROM campaigns WHERE key = 'sneaky'`)).toEqual([]);
      expect(await spendRows()).toEqual([]);
    });
  });

  describe('spend', () => {
    beforeAll(async () => {
      await server.graphql(CREATE, { input: { key: 'search', name: 'Search', channel: 'paid_search', startsOn: '2026-11-01' } });
    });

    it('sets spend per campaign and day; the same rows again change nothing; a new amount replaces the old', async () => {
      const spend = [
        { campaign: 'bf-2026', day: '2026-11-20', amount: '100.50' },
        { campaign: 'bf-2026', day: '2026-11-21', amount: 49.9 },
        { campaign: 'search', day: '2026-11-20', amount: '0.0001' },
      ];
      // 100.5 + 49.9 + 0.0001 = 150.4001
      expect(await server.graphql(RECORD, { spend })).toEqual({
        data: { recordCampaignSpend: { rows: 3, changed: 3, campaigns: 2, total: '150.4001' } },
      });
      expect(await server.graphql(RECORD, { spend })).toEqual({
        data: { recordCampaignSpend: { rows: 3, changed: 0, campaigns: 2, total: '150.4001' } },
      });
      expect(await server.graphql(RECORD, { spend: [{ campaign: 'bf-2026', day: '2026-11-21', amount: '60' }] })).toEqual({
        data: { recordCampaignSpend: { rows: 1, changed: 1, campaigns: 1, total: '60.0000' } },
      });
      expect(await spendRows()).toEqual([
        { campaign_key: 'bf-2026', day: '2026-11-20', amount: '100.5000' },
        { campaign_key: 'bf-2026', day: '2026-11-21', amount: '60.0000' },
        { campaign_key: 'search', day: '2026-11-20', amount: '0.0001' },
      ]);
      // 100.5 + 60 = 160.5
      expect(await server.graphql(SPEND, { key: 'bf-2026' }, readKey)).toEqual({
        data: {
          campaign: {
            spend: {
              total: '160.5000',
              days: [
                { day: '2026-11-20', amount: '100.5000' },
                { day: '2026-11-21', amount: '60.0000' },
              ],
            },
          },
        },
      });
      expect(await server.graphql(SPEND, { key: 'bf-2026', from: '2026-11-21', to: '2026-11-21' })).toEqual({
        data: { campaign: { spend: { total: '60.0000', days: [{ day: '2026-11-21', amount: '60.0000' }] } } },
      });
      expect(await server.graphql(SPEND, { key: 'bf-2026', from: '2026-12-01' })).toEqual({
        data: { campaign: { spend: { total: '0.0000', days: [] } } },
      });
    });

    it('keeps amounts exact: a literal keeps its text, and sums past 2^53 do not drift', async () => {
      const literal = await server.graphql(
        `mutation { recordCampaignSpend(spend: [{campaign: "search", day: "2026-11-22", amount: 999999999999999.9999}, {campaign: "search", day: "2026-11-23", amount: "999999999999999.9999"}]) { total } }`,
      );
      // 2 × 999,999,999,999,999.9999 = 1,999,999,999,999,999.9998
      expect(literal).toEqual({ data: { recordCampaignSpend: { total: '1999999999999999.9998' } } });
      // 1,999,999,999,999,999.9998 + 0.0001 (2026-11-20)
      expect(await server.graphql(SPEND, { key: 'search' })).toMatchObject({
        data: { campaign: { spend: { total: '1999999999999999.9999' } } },
      });
    });

    it('takes a JSON number of up to 15 significant digits exactly, refuses one with more (naming the row), and any string exactly', async () => {
      const before = await spendRows();
      const tooLong = await server.graphql(RECORD, {
        spend: [
          { campaign: 'search', day: '2026-11-25', amount: 12_345_678_901_234 },
          { campaign: 'search', day: '2026-11-26', amount: 12_345_678_901_234.56 },
        ],
      });
      expect(firstError(tooLong)).toMatchObject({
        message:
          'nothing recorded (1 problem): spend[1].amount: 12345678901234.56 has more than 15 significant digits, which a JSON number does not carry exactly (digits may have changed on the way); send it as a decimal string like "12345678901234.5678"',
        code: 'BAD_USER_INPUT',
        field: 'spend[1].amount',
      });
      expect(await spendRows()).toEqual(before);
      const exact = await server.graphql(RECORD, {
        spend: [
          { campaign: 'search', day: '2026-11-25', amount: 12_345_678_901_234 },
          { campaign: 'search', day: '2026-11-26', amount: '12345678901234.5678' },
          { campaign: 'search', day: '2026-11-27', amount: 99_999_999_999_999.9 },
        ],
      });
      // 12,345,678,901,234 + 12,345,678,901,234.5678 + 99,999,999,999,999.9 = 124,691,357,802,468.4678
      expect(exact).toEqual({ data: { recordCampaignSpend: { rows: 3, changed: 3, campaigns: 1, total: '124691357802468.4678' } } });
      expect((await spendRows()).filter((row) => row.day >= '2026-11-25' && row.day <= '2026-11-27')).toEqual([
        { campaign_key: 'search', day: '2026-11-25', amount: '12345678901234.0000' },
        { campaign_key: 'search', day: '2026-11-26', amount: '12345678901234.5678' },
        { campaign_key: 'search', day: '2026-11-27', amount: '99999999999999.9000' },
      ]);
      await server.db.execute(`DELETE FROM campaign_spend WHERE day BETWEEN '2026-11-25' AND '2026-11-27'`);
    });

    it('refuses the whole call when any row is bad, naming every bad row and field', async () => {
      const before = await spendRows();
      const response = await server.graphql(RECORD, {
        spend: [
          { campaign: 'bf-2026', day: '2026-11-22', amount: '5' },
          { campaign: 'bf-2026', day: '2026-02-30', amount: -1 },
          { campaign: 'search', day: '2026-11-24', amount: '1e309' },
          { campaign: 'search', day: '2026-11-24', amount: 0.30000000000000004 },
        ],
      });
      expect(firstError(response)).toEqual({
        message:
          'nothing recorded (4 problems): spend[1].day: "2026-02-30" is not a date; write YYYY-MM-DD, a real day in the years 0001–9999; spend[1].amount: must not be negative, got -1; spend[2].amount: not a number: "1e309"; write a plain decimal like 1234.50; spend[3].amount: has more than 4 decimal places: 0.30000000000000004',
        code: 'BAD_USER_INPUT',
        field: 'spend[1].day',
        issueCount: 4,
        issues: [
          {
            path: 'spend[1].day',
            message: 'spend[1].day: "2026-02-30" is not a date; write YYYY-MM-DD, a real day in the years 0001–9999',
          },
          { path: 'spend[1].amount', message: 'spend[1].amount: must not be negative, got -1' },
          { path: 'spend[2].amount', message: 'spend[2].amount: not a number: "1e309"; write a plain decimal like 1234.50' },
          { path: 'spend[3].amount', message: 'spend[3].amount: has more than 4 decimal places: 0.30000000000000004' },
        ],
      });
      expect(await spendRows()).toEqual(before);
    });

    it('refuses spend for a campaign that does not exist, naming each row, and writes none', async () => {
      const before = await spendRows();
      const response = await server.graphql(RECORD, {
        spend: [
          { campaign: 'bf-2026', day: '2026-11-25', amount: 1 },
          { campaign: 'nope', day: '2026-11-25', amount: 1 },
          { campaign: 'BF-2026', day: '2026-11-25', amount: 1 },
        ],
      });
      expect(firstError(response)).toMatchObject({
        message:
          'nothing recorded (2 problems): spend[1].campaign: no campaign with key "nope"; create it first (createCampaign); spend[2].campaign: no campaign with key "BF-2026"; create it first (createCampaign)',
        code: 'BAD_USER_INPUT',
        field: 'spend[1].campaign',
      });
      expect(await spendRows()).toEqual(before);
    });

    it('takes 10,000 rows in one call and refuses 10,001', async () => {
      const rows = (count: number) =>
        Array.from({ length: count }, (_, i) => ({
          campaign: 'search',
          day: new Date(Date.UTC(1900, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
          amount: '1',
        }));
      expect(firstError(await server.graphql(RECORD, { spend: rows(10_001) }))).toEqual({
        message: 'spend: at most 10000 rows per call, got 10001',
        code: 'BAD_USER_INPUT',
        field: 'spend',
      });
      expect(await server.graphql(RECORD, { spend: rows(10_000) })).toEqual({
        data: { recordCampaignSpend: { rows: 10_000, changed: 10_000, campaigns: 1, total: '10000.0000' } },
      });
      const [{ count }] = await server.db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM campaign_spend WHERE campaign_key = 'search' AND day < '1950-01-01'`,
      );
      expect(count).toBe(10_000);
      await server.db.execute(`DELETE FROM campaign_spend WHERE campaign_key = 'search' AND day < '1950-01-01'`);
    });

    it('imports CSV text (header, CRLF, quotes) idempotently, and refuses a bad file naming lines and columns', async () => {
      await server.graphql(CREATE, { input: { key: 'spring, "26"', name: 'Spring', channel: 'social', startsOn: '2026-03-01' } });
      const csv = 'day,amount,campaign\r\n2026-03-01,10.25,"spring, ""26"""\r\n2026-03-02,"20",spring, "26"\r\n';
      expect(firstError(await server.graphql(IMPORT, { csv }))).toMatchObject({
        message: 'nothing imported (1 problem): line 3: a " inside an unquoted field; quote the whole field and double the quote ("")',
      });
      const good = 'day,amount,campaign\r\n2026-03-01,10.25,"spring, ""26"""\r\n2026-03-02,"20","spring, ""26"""\r\n';
      // 10.25 + 20 = 30.25
      expect(await server.graphql(IMPORT, { csv: good })).toEqual({
        data: { importCampaignSpend: { rows: 2, changed: 2, campaigns: 1, total: '30.2500' } },
      });
      expect(await server.graphql(IMPORT, { csv: good })).toEqual({
        data: { importCampaignSpend: { rows: 2, changed: 0, campaigns: 1, total: '30.2500' } },
      });
      expect(await server.graphql(SPEND, { key: 'spring, "26"' })).toMatchObject({ data: { campaign: { spend: { total: '30.2500' } } } });

      const before = await spendRows();
      const bad = 'campaign,day,amount\nbf-2026,2026-11-26,7\nnope,2026-11-26,1\nbf-2026,2026-11-27,abc\n';
      expect(firstError(await server.graphql(IMPORT, { csv: bad }))).toMatchObject({
        message: 'nothing imported (1 problem): line 4, amount: not a number: "abc"; write a plain decimal like 1234.50',
        field: 'line 4, amount',
      });
      const unknown = 'campaign,day,amount\nbf-2026,2026-11-26,7\nnope,2026-11-26,1\n';
      expect(firstError(await server.graphql(IMPORT, { csv: unknown }))).toMatchObject({
        message: 'nothing recorded (1 problem): line 3, campaign: no campaign with key "nope"; create it first (createCampaign)',
        field: 'line 3, campaign',
      });
      expect(await spendRows()).toEqual(before);
    });

    it('answers hostile spend rows and CSV text with a result or BAD_USER_INPUT, never an internal error, and writes nothing on refusal', async () => {
      const text = fc.oneof(
        fc.string({
          unit: fc.constantFrom('a', '0', '9', '-', '.', ',', '"', '\r', '\n', '\u0000', '\uD800', '\uDC00', '😀', 'e', ' '),
          maxLength: 24,
        }),
        fc.constantFrom('fuzz', ' fuzz ', '0001-01-01', '9999-12-31', '2026-02-29', '999999999999999.9999', '1e309', '-0', 'x'.repeat(300)),
      );
      const amount = fc.oneof(text, fc.double(), fc.constantFrom(0, 1e15, -1, 0.1, 999999999999999.9));
      const row = fc.record({ campaign: text, day: text, amount });
      const csv = fc
        .array(fc.tuple(text, text, text), { maxLength: 5 })
        .map((rows) => `campaign,day,amount\r\n${rows.map((cells) => cells.join(',')).join('\r\n')}`);
      // Rows that happen to be valid land on a campaign of their own, deleted afterwards.
      await server.graphql(CREATE, { input: { key: 'fuzz', name: 'Fuzz', channel: 'web', startsOn: '2026-01-01' } });
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.array(row, { maxLength: 5 }).map((spend) => ({ spend })),
            csv.map((text) => ({ csv: text })),
          ),
          async (variables) => {
            const before = await spendRows();
            const response = 'spend' in variables ? await server.graphql(RECORD, variables) : await server.graphql(IMPORT, variables);
            const codes = (response.errors ?? []).map((error) => error.extensions?.code);
            if (codes.length > 0) {
              expect(codes).toEqual(['BAD_USER_INPUT']);
              expect(await spendRows()).toEqual(before);
            }
          },
        ),
        { numRuns: 60 },
      );
      await server.graphql(DELETE, { key: 'fuzz' });
    });

    it('deletes a campaign with its spend', async () => {
      await server.graphql(CREATE, { input: { key: 'gone', name: 'Gone', channel: 'email', startsOn: '2026-01-01' } });
      await server.graphql(RECORD, { spend: [{ campaign: 'gone', day: '2026-01-01', amount: 3 }] });
      expect(await server.graphql(DELETE, { key: 'gone' })).toEqual({ data: { deleteCampaign: true } });
      expect(await server.db.query(`SELECT 1 FROM campaign_spend WHERE campaign_key = 'gone'`)).toEqual([]);
    });

    it('refuses a bad day range on Campaign.spend', async () => {
      expect(firstError(await server.graphql(SPEND, { key: 'bf-2026', from: '2026-11-21', to: '2026-11-20' }))).toMatchObject({
        message: 'to: 2026-11-20 is before from 2026-11-21',
        code: 'BAD_USER_INPUT',
      });
      expect(firstError(await server.graphql(SPEND, { key: 'bf-2026', from: '2026-02-29' }))).toMatchObject({
        message: 'from: "2026-02-29" is not a date; write YYYY-MM-DD, a real day in the years 0001–9999',
      });
    });
  });

  describe('touchpoints and unknown campaign keys', () => {
    beforeAll(async () => {
      // As the metrics projection writes them: touchpoints per UTC day, type, channel and campaign ('' = none).
      await server.db.execute(
        `INSERT INTO metric_touchpoints_daily (day, type, channel, campaign, touchpoints, value_sum) VALUES
           ('2026-11-20', 'page_view', 'web', 'bf-2026', 5, 0),
           ('2026-11-21', 'purchase', 'web', 'bf-2026', 2, 99.8),
           ('2026-11-21', 'page_view', 'web', 'search', 1, 0),
           ('2026-10-01', 'page_view', 'web', 'newsletter-oct', 3, 0),
           ('2026-10-09', 'page_view', 'email', 'newsletter-oct', 4, 0),
           ('2026-11-02', 'purchase', 'web', 'newsletter-oct', 1, 10),
           ('2026-09-15', 'page_view', 'web', 'Bf-2026', 7, 0),
           ('2026-11-21', 'page_view', 'web', '', 1000, 0),
           ('2026-11-22', 'signup', 'web', 'x', 1, 0)`,
      );
    });

    it('lists keys that touchpoints carry but no campaign has, most touchpoints first', async () => {
      expect(await server.graphql(`{ unknownCampaigns { key touchpoints firstSeen lastSeen } }`, {}, readKey)).toEqual({
        data: {
          unknownCampaigns: [
            // 3 + 4 + 1 = 8, over 2026-10-01 … 2026-11-02
            { key: 'newsletter-oct', touchpoints: 8, firstSeen: '2026-10-01', lastSeen: '2026-11-02' },
            { key: 'Bf-2026', touchpoints: 7, firstSeen: '2026-09-15', lastSeen: '2026-09-15' },
            { key: 'x', touchpoints: 1, firstSeen: '2026-11-22', lastSeen: '2026-11-22' },
          ],
        },
      });
      expect(await server.graphql(`{ unknownCampaigns(first: 1) { key } }`)).toEqual({
        data: { unknownCampaigns: [{ key: 'newsletter-oct' }] },
      });
      expect(firstError(await server.graphql(`{ unknownCampaigns(first: 0) { key } }`))).toMatchObject({
        message: 'first: must be a whole number from 1 to 1000, got 0',
      });
    });

    it('drops a key from the list once a campaign has it', async () => {
      await server.graphql(CREATE, {
        input: { key: 'newsletter-oct', name: 'October newsletter', channel: 'email', startsOn: '2026-10-01' },
      });
      const { data } = await server.graphql<{ unknownCampaigns: Array<{ key: string }> }>(`{ unknownCampaigns { key } }`);
      expect(data?.unknownCampaigns.map((found) => found.key)).toEqual(['Bf-2026', 'x']);
    });

    it("counts a campaign's touchpoints, over a range of days, for a whole list in one statement per field", async () => {
      // Reads of campaigns, their spend and the rollup (background projections run their own statements meanwhile).
      const statements: string[] = [];
      server.db.observe = (text) => {
        if (/^\s*SELECT/.test(text) && /campaign/.test(text)) statements.push(text);
      };
      const response = await server.graphql(
        `{ campaigns { key touchpoints november: touchpoints(from: "2026-11-01", to: "2026-11-30") spend { total } } }`,
      );
      server.db.observe = undefined;
      expect(response).toEqual({
        data: {
          campaigns: [
            { key: 'bf-2026', touchpoints: 7, november: 7, spend: { total: '160.5000' } },
            { key: 'search', touchpoints: 1, november: 1, spend: { total: '1999999999999999.9999' } },
            // 3 + 4 + 1 = 8; in November only the purchase of 2026-11-02
            { key: 'newsletter-oct', touchpoints: 8, november: 1, spend: { total: '0.0000' } },
            { key: 'spring, "26"', touchpoints: 0, november: 0, spend: { total: '30.2500' } },
          ],
        },
      });
      // The list, then one statement per field and range: touchpoints (all time), touchpoints (November), spend.
      expect(statements).toHaveLength(4);
    });
  });
});
