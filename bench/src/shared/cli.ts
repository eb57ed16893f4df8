/** What every benchmark prints and how it gives up on bad input. */

/** Stops the process with exit code 2 and `message` on stderr: for bad flags and missing prerequisites. */
export function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

/** A progress line on stderr (stdout is kept for the results). */
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** `raw` as an integer of at least `min`, or a failure naming the flag. */
export function intFlag(name: string, raw: string, min = 1): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) fail(`--${name} must be an integer of at least ${min}, got "${raw}"`);
  return value;
}
