/**
 * Summarises a `.cpuprofile` of the API (reads-ab --cpu-prof, reads --cpu-prof)
 * so where a request's CPU goes can be read and compared between builds:
 * self time by package or clm file, the functions with the most self time,
 * and inclusive time per function (a phase: `executeFields` for graphql-js,
 * `processGraphQLRequest` for Apollo's pipeline, `parse` of pg-protocol for
 * result parsing). Shares are of the busy samples (idle left out).
 *
 * The projector's catch-up of a freshly loaded dataset precedes the timed
 * runs and would swamp them: samples up to the last one inside the
 * projections' folds are skipped, and the projector's later polling is left
 * out. Usage: npm run cpu-profile -w @clm/bench -- FILE [rows]
 */
import { readFileSync } from 'node:fs';
import { fail } from './shared/cli.js';

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/** Functions of the projections' catch-up: the timed part of a run starts after the last sample in one. */
const CATCH_UP = /^(applyTransitions|foldTransitions|applyTouchpoints|sumFunnel)$/;
/** Files of the projector, whose polling during the timed part is no request's work. */
const PROJECTOR = /log\/projection|metrics\.projection|segments\.projection/;

function main(): void {
  const [file, rowsFlag] = process.argv.slice(2);
  if (!file) fail('usage: cpu-profile FILE.cpuprofile [rows]');
  const rows = rowsFlag ? Number(rowsFlag) : 40;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const stackHas = memoised((id: number, test: (frame: CallFrame) => boolean): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) if (test(frameOf(byId, at))) return true;
    return false;
  });
  let start = 0;
  profile.samples.forEach((id, index) => {
    if (stackHas(id, 'catch-up', (frame) => CATCH_UP.test(frame.functionName))) start = index + 1;
  });
  const selfTime = new Map<number, number>();
  let polling = 0;
  for (let index = start; index < profile.samples.length; index++) {
    const id = profile.samples[index];
    const delta = profile.timeDeltas[index] ?? 0;
    if (stackHas(id, 'projector', (frame) => PROJECTOR.test(frame.url))) polling += delta;
    else selfTime.set(id, (selfTime.get(id) ?? 0) + delta);
  }
  const idle = [...selfTime].filter(([id]) => frameOf(byId, id).functionName === '(idle)').reduce((sum, [, time]) => sum + time, 0);
  const busy = [...selfTime.values()].reduce((sum, time) => sum + time, 0) - idle;
  const share = (time: number) => ((100 * time) / busy).toFixed(1).padStart(6);
  const bySelf = (key: (frame: CallFrame) => string) => {
    const totals = new Map<string, number>();
    for (const [id, time] of selfTime) {
      const frame = frameOf(byId, id);
      if (frame.functionName !== '(idle)') totals.set(key(frame), (totals.get(key(frame)) ?? 0) + time);
    }
    return [...totals].sort((a, b) => b[1] - a[1]).slice(0, rows);
  };
  const inclusive = new Map<string, number>();
  for (const [id, time] of selfTime) {
    if (frameOf(byId, id).functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const key = functionKey(frameOf(byId, at));
      if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + time);
      seen.add(key);
    }
  }
  const lines = [
    `${file}`,
    `from sample ${start} of ${profile.samples.length} (after the projections' catch-up); busy ${(busy / 1e6).toFixed(1)} s; ` +
      `projector polling left out ${(polling / 1e6).toFixed(2)} s`,
    '--- self time by package or clm file (% of busy)',
    ...bySelf(categoryOf).map(([key, time]) => `${share(time)} ${key}`),
    '--- functions by self time (% of busy)',
    ...bySelf((frame) => `${functionKey(frame)}:${frame.lineNumber}`).map(([key, time]) => `${share(time)} ${key}`),
    '--- functions by inclusive time (% of busy)',
    ...[...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows * 2)
      .map(([key, time]) => `${share(time)} ${key}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function frameOf(byId: ReadonlyMap<number, ProfileNode>, id: number): CallFrame {
  const node = byId.get(id);
  if (!node) throw new Error(`the profile has no node ${id}`);
  return node.callFrame;
}

/** A package (`pg`, `@apollo/server`), a clm file (`clm:server/services`), a Node module, or GC and native code. */
function categoryOf({ functionName, url }: CallFrame): string {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'program';
  const inPackage = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1];
  if (url.includes('/dist/')) return `clm:${url.replace(/.*\/dist\//, '').replace(/\.js$/, '')}`;
  return url || '(native)';
}

function functionKey(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'} ${categoryOf(frame)}`;
}

/** `test` of a node's stack, computed once per node and question (stacks share their ancestors). */
function memoised(
  test: (id: number, predicate: (frame: CallFrame) => boolean) => boolean,
): (id: number, question: string, predicate: (frame: CallFrame) => boolean) => boolean {
  const answers = new Map<string, boolean>();
  return (id, question, predicate) => {
    const key = `${question}:${id}`;
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = test(id, predicate);
      answers.set(key, answer);
    }
    return answer;
  };
}

main();
