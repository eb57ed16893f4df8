import { describe, expect, it } from '@jest/globals';
import { queryTimeout } from '../database.errors';
import { databaseUnavailable } from '../db';
import { describeDuration, WORK_KINDS } from '../work-kinds';

describe('time-limit errors', () => {
  it('name the limit, the kind of work and the variable that changes it, for every kind', () => {
    expect(Object.fromEntries(WORK_KINDS.map((kind) => [kind, queryTimeout(kind, 5000).message]))).toEqual({
      read: 'this request ran longer than the 5 s limit for interactive reads (CLM_READ_TIMEOUT_MS)',
      metrics: 'this request ran longer than the 5 s limit for previews and metrics (CLM_METRICS_TIMEOUT_MS)',
      export: 'this request ran longer than the 5 s limit for exports (CLM_EXPORT_TIMEOUT_MS)',
      ingest: 'this request ran longer than the 5 s limit for ingest (CLM_INGEST_TIMEOUT_MS)',
      projection: 'this request ran longer than the 5 s limit for projections (CLM_PROJECTION_TIMEOUT_MS)',
      sweep: 'this request ran longer than the 5 s limit for the inactivity sweep (CLM_SWEEP_TIMEOUT_MS)',
      background: 'this request ran longer than the 5 s limit for background jobs (CLM_BACKGROUND_TIMEOUT_MS)',
      control: 'this request ran longer than the 5 s limit for health checks',
    });
    expect(queryTimeout('read', 2500).details).toEqual({ limitMs: 2500, setting: 'CLM_READ_TIMEOUT_MS' });
  });

  it('say durations as people do', () => {
    expect([250, 1000, 1500, 60_000].map(describeDuration)).toEqual(['250 ms', '1 s', '1.5 s', '60 s']);
  });

  it('count a server out of connections as unavailable (retry later), not as an internal error', () => {
    expect(databaseUnavailable({ code: '53300' })).toBe(true);
    expect(databaseUnavailable({ code: '57014' })).toBe(false);
  });
});
