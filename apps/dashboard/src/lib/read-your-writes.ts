/** What the API puts in each mutation's response when it reads from a replica: the primary's WAL position after it. */
export const WAL_POSITION_HEADER = 'x-clm-wal-position';
/** What a query sends back so that it sees those writes (the API reads the primary until its replica has them). */
export const READ_AFTER_HEADER = 'x-clm-read-after';

/** A WAL position (`16/B374D848`) as a number, or null for anything else. */
export function walPosition(text: string): bigint | null {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  return match ? (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`) : null;
}

/** The later of the position kept and one a response gave (the kept one when the given is absent or not a position). */
export function laterPosition(kept: string | null, given: string | null): string | null {
  const value = given === null ? null : walPosition(given);
  if (value === null) return kept;
  const keptValue = kept === null ? null : walPosition(kept);
  return keptValue !== null && keptValue >= value ? kept : given;
}

/**
 * A fetch for the session's HTTP link that reads its own writes: it keeps the
 * latest position a mutation's response gave and sends it with every request
 * after. Against an API without a replica no position comes, and nothing is sent.
 */
export function readYourWritesFetch(send: typeof fetch): typeof fetch {
  let position: string | null = null;
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (position !== null) headers.set(READ_AFTER_HEADER, position);
    const response = await send(input, { ...init, headers });
    position = laterPosition(position, response.headers.get(WAL_POSITION_HEADER));
    return response;
  };
}
