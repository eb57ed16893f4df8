import { z } from 'zod';
import { MAX_TEXT } from '../../core/ids';
import { pathIssues, storable, UNLESS_FAILED } from '../../core/zod-issues';
import { decimalOfNumber, EXACT_NUMBER_DIGITS, formatTenThousandths } from '../../core/money';

/*
 * Checks on what callers send about campaigns and their spend. Pure: each
 * check returns the value it accepted (trimmed, normalised) or a sentence
 * saying what is wrong, and callers put the sentence behind the name of the
 * field as the caller wrote it (`input.channel`, `spend[3].amount`,
 * `line 4, amount`).
 *
 * The limits are those of ingest, so any campaign text a touchpoint can carry
 * can be a campaign key: keys are trimmed, 1–256 characters, storable text
 * (no NUL, no lone surrogate), case-sensitive. Channels are lowercase
 * snake_case like a touchpoint's channel.
 */

/** A check's outcome: the accepted value, or what is wrong with it. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const accept = <T>(value: T): Checked<T> => ({ ok: true, value });
const refuse = <T>(problem: string): Checked<T> => ({ ok: false, problem });

/** The same rule as a touchpoint's `channel` (touchpoints/touchpoint-validation.ts). */
const CHANNEL_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Amounts are stored with 4 decimals. */
export const AMOUNT_DECIMALS = 4;
/** Amounts stay below 10^15 per campaign and day, like touchpoint values. */
export const MAX_AMOUNT_DIGITS = 15;

/** The longest a rejected value is quoted in a message. */
const QUOTE_LIMIT = 40;

/** `value` quoted for a message: JSON-escaped (so NUL and lone surrogates show as escapes), cut at 40 characters. */
export function quote(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? String(value);
  return value.length > QUOTE_LIMIT ? `${JSON.stringify(value.slice(0, QUOTE_LIMIT))}…` : JSON.stringify(value);
}

/** Trimmed, non-empty storable text of at most 256 characters; `what` says what is expected when it is blank. */
function textSchema(what: string) {
  return storable(z.string({ error: mustBeText }))
    .trim()
    .min(1, { error: `is required (${what})`, ...UNLESS_FAILED })
    .max(MAX_TEXT, { error: `must be at most ${MAX_TEXT} characters`, ...UNLESS_FAILED });
}

const mustBeText = (issue: { input?: unknown }) => `must be text, got ${quote(issue.input)}`;

/** A campaign key: the text touchpoints carry in `campaign`. */
const campaignKeySchema = textSchema('the text your touchpoints carry in `campaign`');
const campaignNameSchema = textSchema('a name to show');
const channelSchema = z
  .string({ error: mustBeText })
  .trim()
  .regex(CHANNEL_PATTERN, {
    error: (issue) =>
      `${quote(issue.input)} must be lowercase snake_case (letters, digits, _), starting with a letter, at most 64 characters`,
  });

/** A calendar day written `YYYY-MM-DD`, a real one (no February 30) in the years 0001–9999; returned trimmed. */
const daySchema = z
  .string({ error: notADay })
  .refine((text) => isRealDay(text.trim()), { error: notADay })
  .transform((text) => text.trim());

function notADay(issue: { input?: unknown }): string {
  return `${quote(issue.input)} is not a date; write YYYY-MM-DD, a real day in the years 0001–9999`;
}

/** An amount, as `checkAmount` reads it. */
const amountSchema = z.unknown().transform((value, context) => {
  const checked = checkAmount(value);
  if (checked.ok) return checked.value;
  context.addIssue({ code: 'custom', message: checked.problem, input: value });
  return z.NEVER;
});

/** The outcome of `schema` on `value`, with the first problem it found. */
function check<T>(schema: z.ZodType<T>, value: unknown): Checked<T> {
  const parsed = schema.safeParse(value);
  return parsed.success ? accept(parsed.data) : refuse(parsed.error.issues[0].message);
}

export function checkCampaignKey(value: unknown): Checked<string> {
  return check(campaignKeySchema, value);
}

export function checkCampaignName(value: unknown): Checked<string> {
  return check(campaignNameSchema, value);
}

export function checkChannel(value: unknown): Checked<string> {
  return check(channelSchema, value);
}

export function checkDay(value: unknown): Checked<string> {
  return check(daySchema, value);
}

function isRealDay(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1, 4).map(Number);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** An exact amount in ten-thousandths, and its decimal text with 4 places (`1234.5000`). */
export type Amount = { units: bigint; text: string };

/**
 * A spend amount: a JSON number or a plain decimal string (`1234.50`), not
 * negative, below 10^15, exact to 4 decimal places. A number is taken as the
 * decimal it prints as, so 0.1 is 0.1000; one that needs more than 4 places
 * (0.30000000000000004, 1e-7) is refused rather than rounded, and so is one
 * with more than 15 significant digits (12345678901234.567): JSON parsing
 * may already have changed its digits, so it cannot be stored as sent (a
 * string carries any amount exactly).
 */
export function checkAmount(value: unknown): Checked<Amount> {
  if (typeof value === 'number') return checkNumberAmount(value);
  if (typeof value !== 'string') return refuse(`not a number: ${quote(value)}`);
  const text = value.trim();
  if (text === '') return refuse('is required (a decimal like 1234.50)');
  const match = PLAIN_DECIMAL.exec(text);
  if (!match) return refuse(`not a number: ${quote(value)}; write a plain decimal like 1234.50`);
  const [, sign, whole, fraction = ''] = match;
  const significantWhole = whole.replace(/^0+(?=\d)/, '');
  const extraPlaces = fraction.slice(AMOUNT_DECIMALS);
  const units = BigInt(significantWhole) * 10_000n + BigInt(fraction.slice(0, AMOUNT_DECIMALS).padEnd(AMOUNT_DECIMALS, '0'));
  if (sign === '-' && units > 0n) return refuse(`must not be negative, got ${quote(text)}`);
  if (/[^0]/.test(extraPlaces)) return refuse(`has more than ${AMOUNT_DECIMALS} decimal places: ${quote(text)}`);
  if (significantWhole.length > MAX_AMOUNT_DIGITS) return refuse(`must be less than 10^${MAX_AMOUNT_DIGITS}, got ${quote(text)}`);
  return accept({ units, text: formatTenThousandths(units) });
}

function checkNumberAmount(value: number): Checked<Amount> {
  if (!Number.isFinite(value)) return refuse(`not a number: ${String(value)}`);
  if (value < 0) return refuse(`must not be negative, got ${String(value)}`);
  if (value >= 10 ** MAX_AMOUNT_DIGITS) return refuse(`must be less than 10^${MAX_AMOUNT_DIGITS}, got ${String(value)}`);
  const fixed = value.toFixed(AMOUNT_DECIMALS);
  if (Number(fixed) !== value) return refuse(`has more than ${AMOUNT_DECIMALS} decimal places: ${String(value)}`);
  const decimal = decimalOfNumber(value);
  if (decimal === null) return refuse(inexactNumber(value));
  return checkAmount(decimal);
}

/** Why a JSON number with more significant digits than a double carries is refused. */
function inexactNumber(value: number): string {
  return `${String(value)} has more than ${EXACT_NUMBER_DIGITS} significant digits, which a JSON number does not carry exactly (digits may have changed on the way); send it as a decimal string like "12345678901234.5678"`;
}

/** One problem with one item: `path` as the caller names it (`spend[3].amount`, `line 4, amount`), `message` starting with it. */
export type Issue = { path: string; message: string };

/** A problem with the item at `index` of what was sent. */
export type ItemIssue = Issue & { index: number };

/** Names a spend item, or one of its fields, the way the caller sent it. */
export type SpendNamer = (index: number, field: 'campaign' | 'day' | 'amount' | null) => string;

/** Spend rows of a mutation: `spend[3].amount`. */
export const mutationSpendNamer: SpendNamer = (index, field) => `spend[${index}]${field === null ? '' : `.${field}`}`;

/** A spend item as sent, before validation. */
export type SpendSubmission = { campaign?: unknown; day?: unknown; amount?: unknown };

/** A valid spend item: the amount of one campaign on one day. `index` is its position in what was sent. */
export type SpendRow = { index: number; campaign: string; day: string; amount: Amount };

const SPEND_FIELDS = ['campaign', 'day', 'amount'] as const;
const spendItemSchema = z.object({ campaign: campaignKeySchema, day: daySchema, amount: amountSchema });

/** The spend field a zod issue path starts with. */
function spendField(path: readonly PropertyKey[]): (typeof SPEND_FIELDS)[number] | null {
  return SPEND_FIELDS.find((field) => field === path[0]) ?? null;
}

/** At most this many spend rows per call, in either form. */
export const MAX_SPEND_ROWS = 10_000;

/**
 * Validates spend items all at once: every problem of every item (each bad
 * field), a repeated campaign and day (setting one day twice in one call is
 * a mistake, not an update), or the rows. All or nothing.
 */
export function validateSpend(items: readonly SpendSubmission[], name: SpendNamer): { rows: SpendRow[] } | { issues: ItemIssue[] } {
  const issues: ItemIssue[] = [];
  const rows: SpendRow[] = [];
  const firstOf = new Map<string, number>();
  items.forEach((item, index) => {
    const parsed = spendItemSchema.safeParse(item);
    if (!parsed.success) {
      issues.push(...parsed.error.issues.map((found) => ({ index, ...issue(name(index, spendField(found.path)), found.message) })));
      return;
    }
    const { campaign, day, amount } = parsed.data;
    const slot = JSON.stringify([campaign, day]);
    const first = firstOf.get(slot);
    if (first !== undefined) {
      issues.push({
        index,
        ...issue(name(index, null), `the same campaign and day as ${name(first, null)}; give each campaign and day once`),
      });
      return;
    }
    firstOf.set(slot, index);
    rows.push({ index, campaign, day, amount });
  });
  return issues.length > 0 ? { issues } : { rows };
}

export function issue(path: string, problem: string): Issue {
  return { path, message: `${path}: ${problem}` };
}

/** A campaign's own fields, as sent to create it or merged for an update. */
export type CampaignSubmission = { key?: unknown; name?: unknown; channel?: unknown; startsOn?: unknown; endsOn?: unknown };
const campaignSchema = z.object({
  key: campaignKeySchema,
  name: campaignNameSchema,
  channel: channelSchema,
  startsOn: daySchema,
  endsOn: daySchema.nullish().transform((day) => day ?? null),
});

export type ValidCampaign = { key: string; name: string; channel: string; startsOn: string; endsOn: string | null };

/**
 * Validates a whole campaign; `prefix` names the input (`input`). Every bad
 * field is reported; an end before the start is reported on `endsOn`.
 */
export function validateCampaign(input: CampaignSubmission, prefix: string): { campaign: ValidCampaign } | { issues: Issue[] } {
  const parsed = campaignSchema.safeParse(input);
  if (!parsed.success) return { issues: pathIssues(parsed.error, prefix).map(({ path, message }) => issue(path, message)) };
  const campaign = parsed.data;
  // ISO dates of four-digit years sort as text.
  if (campaign.endsOn !== null && campaign.endsOn < campaign.startsOn) {
    return {
      issues: [
        issue(`${prefix}.endsOn`, `${campaign.endsOn} is before startsOn ${campaign.startsOn}; a campaign ends on or after its start`),
      ],
    };
  }
  return { campaign };
}
