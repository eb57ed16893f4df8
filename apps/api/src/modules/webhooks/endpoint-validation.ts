import { isUuid, textProblem } from '../../core/ids';

/*
 * What an admin may register as a webhook endpoint. Pure: every problem is
 * reported with the path of the field (`input.url`, `input.stages[3]`), all
 * at once. Whether the URL's host resolves to an address clm may call is
 * checked after this, with DNS (address-policy.ts, webhook-endpoints.ts).
 */

export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION_LENGTH = 500;
export const MAX_EVENT_TYPES = 20;
export const MAX_FILTER_STAGES = 20;
export const MAX_FILTER_SEGMENTS = 50;

export type EndpointIssue = { path: string; message: string };

/** An endpoint as given (create); on update, absent fields keep their value. */
export type EndpointDraft = {
  url?: string | null;
  description?: string | null;
  eventTypes?: readonly string[] | null;
  /** Only events about customers in (or entering) these stages; null or absent: any stage. */
  stages?: readonly string[] | null;
  /** Only events about these segments, or about customers in them; null or absent: any. */
  segmentIds?: readonly string[] | null;
};

/** What the registry and the lifecycle model allow. */
export type EndpointRules = { eventTypes: readonly string[]; stages: readonly string[] };

/** A URL clm may call, as far as its text goes: http(s), a host, no credentials, no fragment, at most 2048 characters. */
export function urlProblem(text: string): string | null {
  if (text.length === 0) return 'must not be empty';
  if (text.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters, got ${text.length}`;
  const stored = textProblem(text);
  if (stored) return stored;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(text)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must use https (or http), not ${url.protocol.slice(0, -1)}`;
  if (url.hostname === '') return 'must name a host';
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password (put credentials in the path or query)';
  if (url.hash !== '') return 'must not have a fragment (#…); it is never sent';
  return null;
}

function textIssue(path: string, value: string, maxLength: number): EndpointIssue | null {
  if (value.length > maxLength) return { path, message: `must be at most ${maxLength} characters, got ${value.length}` };
  const problem = textProblem(value);
  return problem ? { path, message: problem } : null;
}

/** A list of distinct strings, at most `max`, each passing `check`. */
function listIssues(
  path: string,
  values: readonly string[],
  max: number,
  noun: string,
  check: (value: string) => string | null,
): EndpointIssue[] {
  if (values.length > max) return [{ path, message: `at most ${max} ${noun}, got ${values.length}` }];
  const issues: EndpointIssue[] = [];
  const seen = new Set<string>();
  values.forEach((value, index) => {
    const problem = check(value) ?? (seen.has(value) ? `"${value}" is listed twice` : null);
    if (problem) issues.push({ path: `${path}[${index}]`, message: problem });
    seen.add(value);
  });
  return issues;
}

const quoted = (value: string) => JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);

/** Every problem of a draft, with its path under `prefix`; `creating` requires the URL and the event types. */
export function endpointIssues(draft: EndpointDraft, rules: EndpointRules, creating: boolean, prefix = 'input'): EndpointIssue[] {
  const issues: EndpointIssue[] = [];
  const push = (issue: EndpointIssue | null) => {
    if (issue) issues.push(issue);
  };
  if (draft.url != null) {
    const problem = urlProblem(draft.url);
    if (problem) issues.push({ path: `${prefix}.url`, message: problem });
  } else if (creating) issues.push({ path: `${prefix}.url`, message: 'is required' });
  if (draft.description != null) push(textIssue(`${prefix}.description`, draft.description, MAX_DESCRIPTION_LENGTH));
  if (draft.eventTypes != null) {
    if (draft.eventTypes.length === 0) issues.push({ path: `${prefix}.eventTypes`, message: 'must name at least one event type' });
    issues.push(
      ...listIssues(`${prefix}.eventTypes`, draft.eventTypes, MAX_EVENT_TYPES, 'event types', (type) =>
        rules.eventTypes.includes(type) ? null : `${quoted(type)} is not an event type; one of ${rules.eventTypes.join(', ')}`,
      ),
    );
  } else if (creating) issues.push({ path: `${prefix}.eventTypes`, message: 'is required' });
  if (draft.stages != null)
    issues.push(
      ...listIssues(`${prefix}.stages`, draft.stages, MAX_FILTER_STAGES, 'stages', (stage) =>
        rules.stages.includes(stage) ? null : `${quoted(stage)} is not a stage of the lifecycle model; one of ${rules.stages.join(', ')}`,
      ),
    );
  if (draft.segmentIds != null)
    issues.push(
      ...listIssues(`${prefix}.segmentIds`, draft.segmentIds, MAX_FILTER_SEGMENTS, 'segments', (id) =>
        isUuid(id) ? null : `${quoted(id)} is not a segment id`,
      ),
    );
  return issues;
}
