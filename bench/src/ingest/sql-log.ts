import { round } from '../shared/stats.js';

/** Server-side time per statement kind, from the embedded server's `duration:` log lines. */
export type SqlTiming = {
  statements: number;
  totalMs: number;
  byStatement: Array<{ statement: string; count: number; totalMs: number; meanMs: number }>;
};

/** Collects the embedded server's log while started (`--sql-log`) and summarises it. */
export class SqlLog {
  private capturing = false;
  private text = '';

  constructor(private readonly enabled: boolean) {}

  /** Give this to the embedded server as its log handler. */
  readonly push = (line: string): void => {
    if (this.capturing) this.text += `${line}\n`;
  };

  start(): void {
    this.capturing = this.enabled;
    this.text = '';
  }

  /** Stops capturing; null when it was not enabled. */
  stop(): SqlTiming | null {
    if (!this.capturing) return null;
    this.capturing = false;
    const timing = summarise(this.text);
    this.text = '';
    return timing;
  }
}

function summarise(text: string): SqlTiming {
  const groups = new Map<string, { statement: string; count: number; totalMs: number }>();
  let statements = 0;
  let totalMs = 0;
  // A statement's text runs to the next log line (the server's lines start with a timestamp); multi-line statements are
  // named by their first words, not by an empty first line.
  for (const match of text.matchAll(/duration: ([\d.]+) ms\s+(statement|parse|bind|execute)[^:]*: ([\s\S]*?)(?=\n\d{4}-\d\d-\d\d |$)/g)) {
    const ms = Number(match[1]);
    const sql = match[3].replace(/\s+/g, ' ').trim();
    const kind = `${match[2] === 'statement' ? '' : `${match[2]}: `}${sql.slice(0, 90)}`;
    const entry = groups.get(kind) ?? { statement: kind, count: 0, totalMs: 0 };
    entry.count += 1;
    entry.totalMs += ms;
    groups.set(kind, entry);
    if (match[2] !== 'parse' && match[2] !== 'bind') statements += 1;
    totalMs += ms;
  }
  const byStatement = [...groups.values()]
    .map((entry) => ({ ...entry, totalMs: round(entry.totalMs, 1), meanMs: round(entry.totalMs / entry.count, 3) }))
    .sort((a, b) => b.totalMs - a.totalMs);
  return { statements, totalMs: round(totalMs, 1), byStatement };
}
