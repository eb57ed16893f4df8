import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../config';

describe('configuration', () => {
  it('uses the documented defaults when nothing is set (on 2 cores)', () => {
    expect(loadConfig({}, 2)).toEqual({
      port: 4000,
      host: '0.0.0.0',
      databaseUrl: null,
      readReplica: null,
      dataDir: '.clm/postgres',
      dataDirExplicit: false,
      adminKey: null,
      poolSize: 10,
      ingestWriters: 1,
      sweepIntervalMinutes: 60,
      v1MaxPending: 64,
      segmentRefreshSeconds: 60,
      playbookSeconds: 30,
      predictionRefitSeconds: 86400,
      limits: { maxDepth: 10, maxAliases: 15, maxTokens: 5000, maxCost: 10000 },
      projectionHealth: { stallSeconds: 120, lagRows: 50000, lagSeconds: 300 },
      expensiveWork: {
        perKey: 2,
        perInstance: 1,
        waitMs: 2000,
        busyShare: 0.5,
        burstSeconds: 10,
        refusalsPerMinute: 60,
        refusalBurst: 10,
      },
      requestTimeoutMs: 60000,
      work: {
        read: { statementTimeoutMs: 5000, connections: 10 },
        metrics: { statementTimeoutMs: 15000, connections: 3, parallelWorkers: 0 },
        export: { statementTimeoutMs: 30000, connections: 2 },
        ingest: { statementTimeoutMs: 30000, connections: 4 },
        projection: { statementTimeoutMs: 60000, connections: 2 },
        sweep: { statementTimeoutMs: 60000, connections: 1 },
        background: { statementTimeoutMs: 60000, connections: 4 },
        control: { statementTimeoutMs: 2000, connections: 2 },
      },
      exports: { maxSeconds: 600, minKbPerSecond: 16, rateWindowSeconds: 30 },
      bi: { statementTimeoutMs: 60000, idleInTransactionMs: 60000, tempFileLimitMb: 1024, connectionLimit: 5 },
      shutdownGraceMs: 10000,
      introspection: true,
      biPassword: null,
      webhooks: { allow: [], idlePollSeconds: 30 },
      demo: true,
      logLevel: 'info',
      logFormat: 'auto',
    });
  });

  it('names every bad variable in one message', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', CLM_ADMIN_KEY: 'secret', LOG_LEVEL: 'loud' })).toThrow(
      /PORT: .*\n {2}DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL\n {2}CLM_ADMIN_KEY: must look like clm_<8 lowercase letters or digits>_<at least 32 characters>\n {2}LOG_LEVEL: /,
    );
  });

  it('reads the webhook allow-list as host names, addresses and ranges, and refuses anything else naming the variable', () => {
    expect(loadConfig({ CLM_WEBHOOK_ALLOW: 'localhost, 127.0.0.0/8,::1,receiver.test' }).webhooks.allow).toEqual([
      'localhost',
      '127.0.0.0/8',
      '::1',
      'receiver.test',
    ]);
    expect(() => loadConfig({ CLM_WEBHOOK_ALLOW: 'localhost,http://evil/' })).toThrow(
      /CLM_WEBHOOK_ALLOW.*: each entry must be a host name, an IP address or a CIDR range/,
    );
  });

  it('reads a valid set of variables', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://clm@db:5432/clm',
      CLM_INTROSPECTION: 'false',
      CLM_MAX_COST: '500',
    });
    expect(config).toMatchObject({ port: 8080, databaseUrl: 'postgres://clm@db:5432/clm', introspection: false, limits: { maxCost: 500 } });
  });

  it('reads the time limit of each kind of work, and refuses a negative or fractional one naming its variable', () => {
    const config = loadConfig({
      CLM_READ_TIMEOUT_MS: '2500',
      CLM_METRICS_TIMEOUT_MS: '0',
      CLM_EXPORT_CONNECTIONS: '4',
      CLM_EXPORT_MAX_SECONDS: '120',
      CLM_BI_CONNECTION_LIMIT: '-1',
    });
    expect(config.work.read).toEqual({ statementTimeoutMs: 2500, connections: 10 });
    expect(config.work.metrics).toEqual({ statementTimeoutMs: 0, connections: 3, parallelWorkers: 0 });
    expect(config.work.export).toEqual({ statementTimeoutMs: 30000, connections: 4 });
    expect(config.exports.maxSeconds).toBe(120);
    expect(config.bi.connectionLimit).toBe(-1);
    // Ingest never has fewer connections than its writers need (one each, and one to create new customers).
    expect(loadConfig({ CLM_INGEST_WRITERS: '8' }).work.ingest).toEqual({ statementTimeoutMs: 30000, connections: 9 });
    expect(() => loadConfig({ CLM_INGEST_TIMEOUT_MS: '-1', CLM_SWEEP_TIMEOUT_MS: '1.5' })).toThrow(
      /CLM_INGEST_TIMEOUT_MS: .*\n {2}CLM_SWEEP_TIMEOUT_MS: /,
    );
  });

  it('reads the read replica with its lag limit and check interval, and refuses a URL that is not postgres:// naming the variable', () => {
    expect(loadConfig({ CLM_READ_DATABASE_URL: 'postgres://clm@replica:5432/clm' }).readReplica).toEqual({
      url: 'postgres://clm@replica:5432/clm',
      maxLagMs: 10_000,
      checkEveryMs: 1_000,
    });
    expect(
      loadConfig({ CLM_READ_DATABASE_URL: 'postgresql://r/clm', CLM_READ_MAX_LAG_SECONDS: '2.5', CLM_READ_LAG_CHECK_SECONDS: '0.25' })
        .readReplica,
    ).toEqual({ url: 'postgresql://r/clm', maxLagMs: 2_500, checkEveryMs: 250 });
    expect(() => loadConfig({ CLM_READ_DATABASE_URL: 'mysql://r/clm', CLM_READ_LAG_CHECK_SECONDS: '0' })).toThrow(
      /CLM_READ_DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL\n {2}CLM_READ_LAG_CHECK_SECONDS: /,
    );
  });

  it('takes the BI role password as it is, and refuses one shorter than 12 characters', () => {
    expect(loadConfig({ CLM_BI_PASSWORD: `it's "long" enough` }).biPassword).toBe(`it's "long" enough`);
    expect(() => loadConfig({ CLM_BI_PASSWORD: 'short' })).toThrow('CLM_BI_PASSWORD: must be at least 12 characters');
  });

  it('reads the limits on expensive operations, and refuses a per-key limit of 0', () => {
    const config = loadConfig({
      CLM_EXPENSIVE_PER_KEY: '5',
      CLM_EXPENSIVE_PER_INSTANCE: '8',
      CLM_EXPENSIVE_WAIT_MS: '0',
      CLM_EXPENSIVE_BUSY_SHARE: '0',
      CLM_EXPENSIVE_BURST_SECONDS: '30',
      CLM_KEY_REFUSALS_PER_MINUTE: '0',
      CLM_KEY_REFUSAL_BURST: '3',
      CLM_REQUEST_TIMEOUT_MS: '0',
      CLM_METRICS_PARALLEL_WORKERS: '2',
    });
    expect(config.expensiveWork).toEqual({
      perKey: 5,
      perInstance: 8,
      waitMs: 0,
      busyShare: 0,
      burstSeconds: 30,
      refusalsPerMinute: 0,
      refusalBurst: 3,
    });
    expect(config.requestTimeoutMs).toBe(0);
    expect(config.work.metrics.parallelWorkers).toBe(2);
    expect(() => loadConfig({ CLM_EXPENSIVE_PER_KEY: '0' })).toThrow('CLM_EXPENSIVE_PER_KEY: ');
  });

  it('reads how many /v1 requests an instance holds, and refuses 0 or a fraction naming the variable', () => {
    expect(loadConfig({ CLM_V1_MAX_PENDING: '8' }).v1MaxPending).toBe(8);
    expect(() => loadConfig({ CLM_V1_MAX_PENDING: '0' })).toThrow('CLM_V1_MAX_PENDING: ');
    expect(() => loadConfig({ CLM_V1_MAX_PENDING: '1.5' })).toThrow('CLM_V1_MAX_PENDING: ');
  });

  it('sizes the gate on expensive work by the cores: one operation per two cores, and a quarter of their time', () => {
    expect(loadConfig({}, 1).expensiveWork).toMatchObject({ perInstance: 1, busyShare: 0.25 });
    expect(loadConfig({}, 2).expensiveWork).toMatchObject({ perInstance: 1, busyShare: 0.5 });
    expect(loadConfig({}, 8).expensiveWork).toMatchObject({ perInstance: 4, busyShare: 2 });
    expect(loadConfig({}, 64).expensiveWork).toMatchObject({ perInstance: 32, busyShare: 16 });
  });
});
