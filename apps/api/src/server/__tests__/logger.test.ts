import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../config';
import { createTestContext } from '../../testing';
import type { TestContext } from '../../testing';
import { TEST_EXPENSIVE_WORK, TEST_LIMITS } from '../../testing/test-server';
import { startHttpServer } from '../http-server';
import type { RunningServer } from '../http-server';
import { chooseLogFormat, createLogger, formatLogLine } from '../logger';

/** A destination that keeps what the logger wrote, one entry per write. */
function captured(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** HH:MM:ss.l of an instant in this machine's time zone: what the terminal shows. */
function localClock(iso: string): string {
  const time = new Date(iso);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${String(time.getMilliseconds()).padStart(3, '0')}`;
}

describe('the log format', () => {
  it('is readable on a terminal and JSON on a pipe or a file when LOG_FORMAT is auto (the default)', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(chooseLogFormat('auto', true)).toBe('pretty');
    expect(chooseLogFormat('auto', false)).toBe('json');
  });

  it('is what LOG_FORMAT names, terminal or not', () => {
    expect(chooseLogFormat('json', true)).toBe('json');
    expect(chooseLogFormat('json', false)).toBe('json');
    expect(chooseLogFormat('pretty', true)).toBe('pretty');
    expect(chooseLogFormat('pretty', false)).toBe('pretty');
  });

  it('refuses any other LOG_FORMAT, naming the variable', () => {
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(/^invalid configuration:\n {2}LOG_FORMAT: /);
  });
});

describe('a readable log line', () => {
  it('shows local time, level and message, then the fields on the same line, without pid, hostname or service', () => {
    const line = formatLogLine(
      {
        level: 30,
        time: '2026-12-06T12:00:01.234Z',
        pid: 4242,
        hostname: 'box',
        service: 'clm-api',
        url: 'http://localhost:4000/graphql',
        dashboard: 'http://localhost:4000',
        msg: 'clm is ready',
      },
      false,
    );
    expect(line).toBe(
      `[${localClock('2026-12-06T12:00:01.234Z')}] INFO: clm is ready {"url":"http://localhost:4000/graphql","dashboard":"http://localhost:4000"}\n`,
    );
  });

  it('names the level of a warning and shows a message without fields alone', () => {
    expect(
      formatLogLine({ level: 40, time: '2026-12-06T23:59:59.999Z', service: 'clm-api', msg: 'the database is shutting down' }, false),
    ).toBe(`[${localClock('2026-12-06T23:59:59.999Z')}] WARN: the database is shutting down\n`);
  });

  it('colours the level on a colour terminal', () => {
    const line = formatLogLine({ level: 50, time: '2026-12-06T12:00:00.000Z', msg: 'shutdown failed' }, true);
    expect(line).toBe(`[${localClock('2026-12-06T12:00:00.000Z')}] \u001b[31mERROR\u001b[39m: \u001b[36mshutdown failed\u001b[39m\n`);
  });

  it('is what the pretty logger writes, with secrets redacted as in JSON', () => {
    const out = captured();
    const logger = createLogger('info', 'pretty', out.stream);
    logger.info({ authorization: 'Bearer clm_secret', rows: 3 }, 'request');
    logger.debug('not at info');
    expect(out.text()).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: request \{"authorization":"\[redacted\]","rows":3\}\n$/);
  });
});

describe('request logging with the dashboard served', () => {
  let context: TestContext;
  let server: RunningServer;
  let folder: string;
  const out = captured();
  const logged = () =>
    out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string; path?: string; status?: number })
      .filter((line) => line.msg === 'request')
      .map((line) => [line.level, line.path, line.status]);

  beforeAll(async () => {
    context = await createTestContext();
    folder = await mkdtemp(path.join(tmpdir(), 'clm-dashboard-'));
    await writeFile(path.join(folder, 'index.html'), '<!doctype html><title>clm</title>');
    await writeFile(path.join(folder, 'app.js'), 'console.log(1)');
    server = await startHttpServer({
      config: { port: 0, host: '127.0.0.1', limits: TEST_LIMITS, expensiveWork: TEST_EXPENSIVE_WORK, introspection: true },
      services: context.services,
      logger: createLogger('debug', 'json', out.stream),
      dashboardDir: folder,
    });
  });
  afterAll(async () => {
    await server.close();
    await context.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("logs the dashboard's files and pages at debug and the API's requests at info", async () => {
    for (const [route, init] of [
      ['/app.js', {}],
      ['/customers/42', {}],
      ['/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ viewer { name } }"}' }],
      ['/healthz', {}],
    ] as const) {
      const response = await fetch(`${server.url}${route}`, init);
      await response.arrayBuffer();
    }
    // 'finish' fires after the last byte is handed to the socket; give the last entry a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logged()).toEqual([
      [20, '/app.js', 200],
      [20, '/customers/42', 200],
      [30, '/graphql', 401],
      [30, '/healthz', 200],
    ]);
  });
});
