import type { CustomerFilter, CustomerOrder, CustomerSortField, SortDirection } from '../../gql/graphql';
import { parseJsonText } from '../../lib/json-text';
import { readDoor, writeDoor } from '../../lib/metric-door';
import type { MetricDoor } from '../../lib/metric-door';

/** The list's state as it is kept in the URL, so a filtered view can be bookmarked and shared. */
export type CustomerListParams = {
  search: string;
  stage: string;
  segment: string;
  /** `name=value` pairs separated by commas, e.g. `plan=pro, seats=5`. */
  attributes: string;
  /** The customers behind a number of the metrics (a door from a KPI, a funnel step, a cohort cell). */
  metric: MetricDoor | null;
  sort: CustomerSortField;
  direction: SortDirection;
  after: string | null;
  before: string | null;
};

export const SORT_FIELDS: ReadonlyArray<{ field: CustomerSortField; label: string }> = [
  { field: 'CREATED_AT', label: 'Created' },
  { field: 'LAST_SEEN_AT', label: 'Last seen' },
  { field: 'FIRST_SEEN_AT', label: 'First seen' },
  { field: 'STAGE_ENTERED_AT', label: 'Time in stage' },
  { field: 'NAME', label: 'Name' },
  { field: 'EMAIL', label: 'Email' },
  { field: 'ORDERS', label: 'Orders' },
  { field: 'REVENUE', label: 'Revenue' },
  { field: 'UPDATED_AT', label: 'Updated' },
];

export const PAGE_SIZE = 25;

/** Reads the list's state from the URL's query, ignoring values the API would refuse. */
export function readListParams(query: URLSearchParams): CustomerListParams {
  const sort = SORT_FIELDS.find((option) => option.field === query.get('sort'))?.field ?? 'CREATED_AT';
  return {
    search: query.get('q') ?? '',
    stage: query.get('stage') ?? '',
    segment: query.get('segment') ?? '',
    attributes: query.get('attributes') ?? '',
    metric: readDoor(query),
    sort,
    direction: query.get('dir') === 'ASC' ? 'ASC' : 'DESC',
    after: query.get('after'),
    before: query.get('before'),
  };
}

/** The URL query for `params`, without defaults. */
export function writeListParams(params: CustomerListParams): URLSearchParams {
  const query = new URLSearchParams();
  if (params.search) query.set('q', params.search);
  if (params.stage) query.set('stage', params.stage);
  if (params.segment) query.set('segment', params.segment);
  if (params.attributes) query.set('attributes', params.attributes);
  if (params.metric) writeDoor(params.metric, query);
  if (params.sort !== 'CREATED_AT') query.set('sort', params.sort);
  if (params.direction !== 'DESC') query.set('dir', params.direction);
  if (params.after) query.set('after', params.after);
  if (params.before) query.set('before', params.before);
  return query;
}

export type ParsedAttributes = { value: Record<string, unknown> | null; error: string | null };

/**
 * Parses `plan=pro, seats=5, trial=true` into `{plan: "pro", seats: 5, trial: true}`:
 * a value that reads as JSON (number, boolean, null, quoted text) is taken as
 * that, anything else as text. The API matches by JSON containment.
 */
export function parseAttributeFilter(text: string): ParsedAttributes {
  const value: Record<string, unknown> = {};
  const pairs = text
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '');
  if (pairs.length === 0) return { value: null, error: null };
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const name = equals < 0 ? '' : pair.slice(0, equals).trim();
    if (name === '') return { value: null, error: `"${pair}" is not name=value` };
    const text = pair.slice(equals + 1).trim();
    value[name] = text === '' ? '' : parseJsonText(text);
  }
  return { value, error: null };
}

/** The API's variables for `params`: the filter, the order and the page. */
export function listVariables(params: CustomerListParams): {
  filter: CustomerFilter;
  orderBy: CustomerOrder;
  first: number | null;
  after: string | null;
  last: number | null;
  before: string | null;
} {
  const attributes = parseAttributeFilter(params.attributes).value;
  const filter: CustomerFilter = {};
  if (params.search.trim()) filter.search = params.search.trim();
  if (params.stage) filter.stages = [params.stage];
  if (params.segment) filter.segment = params.segment;
  if (attributes) filter.attributes = attributes;
  if (params.metric) filter.metric = params.metric;
  const backwards = params.before !== null && params.after === null;
  return {
    filter,
    orderBy: { field: params.sort, direction: params.direction },
    first: backwards ? null : PAGE_SIZE,
    after: backwards ? null : params.after,
    last: backwards ? PAGE_SIZE : null,
    before: backwards ? params.before : null,
  };
}
