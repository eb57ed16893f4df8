require('reflect-metadata');
const { createTestContext } = require('/work/main/apps/api/dist/testing/index.js');
const path = (i) => `touchpoints[${i}]`;
(async () => {
  for (let k = 0; k < 8; k++) {
    const ctx = await createTestContext();
    try {
      await ctx.services.ingest.record([
        { messageId: 'm-1', customer: { externalId: 'u-1', email: 'Ada@Example.com' }, type: 'page_view', channel: 'web', occurredAt: '2026-01-01T10:00:00Z' },
        { messageId: 'm-2', customer: { externalId: 'u-1' }, type: 'signup', channel: 'web', occurredAt: '2026-01-02T10:00:00Z' },
        { messageId: 'm-1', customer: { externalId: 'u-1' }, type: 'page_view', channel: 'web', occurredAt: '2026-01-01T10:00:00Z' },
        { messageId: 'm-3', customer: { externalId: 'u-2' }, type: 'purchase', channel: 'web', occurredAt: 'yesterday' },
        { messageId: 'm-4', customer: { email: 'grace@example.com' }, type: 'purchase', channel: 'web', occurredAt: '2026-01-03T10:00:00Z', value: 40, currency: 'usd' },
      ], path);
      await ctx.dataSource.query(`SELECT count(*)::int AS count FROM touchpoints`);
      console.log('ok', k);
    } catch (e) { console.log('ERR', k, e.message, e.query, e.stack.split('\n').slice(0, 12).join('\n')); }
    await ctx.close();
  }
})();
