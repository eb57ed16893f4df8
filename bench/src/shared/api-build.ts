import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Which API build a run measured, so a result can be traced to its code. */
export type ApiBuild = {
  dist: string;
  /** sha256 (16 hex digits) over the names and contents of the build's .js files. */
  distSha256: string;
  /** The newest .js file's modification time. */
  distBuiltAt: string;
  /** The commit checked out where the build lives (null outside git). */
  gitHead: string | null;
  /** Whether apps/api/src or packages/schema/src differ from that commit (null outside git). */
  sourceChangedSinceHead: boolean | null;
};

/** Describes the build in `apiDist` (read-only: hashing files and `git status`). */
export function describeApiBuild(apiDist: string): ApiBuild {
  const files = readdirSync(apiDist, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .sort();
  const hash = createHash('sha256');
  let newest = 0;
  for (const file of files) {
    const full = path.join(apiDist, file);
    hash.update(file).update(readFileSync(full));
    newest = Math.max(newest, statSync(full).mtimeMs);
  }
  const checkout = path.resolve(apiDist, '../../..');
  const dirty = git(checkout, 'status', '--porcelain', '--', 'apps/api/src', 'packages/schema/src');
  return {
    dist: apiDist,
    distSha256: hash.digest('hex').slice(0, 16),
    distBuiltAt: new Date(newest).toISOString(),
    gitHead: git(checkout, 'rev-parse', '--short', 'HEAD'),
    sourceChangedSinceHead: dirty === null ? null : dirty.length > 0,
  };
}

/** One line naming the build, for the header of a report. */
export function describeBuildLine(build: ApiBuild, changedDuringRun: boolean): string {
  const changes = build.sourceChangedSinceHead ? '+changes' : '';
  const warning = changedDuringRun ? '  ** dist changed during the run **' : '';
  return `API build ${build.distSha256} (git ${build.gitHead}${changes}, dist ${build.distBuiltAt})${warning}`;
}

function git(cwd: string, ...args: string[]): string | null {
  try {
    return execFileSync('git', ['--no-optional-locks', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
