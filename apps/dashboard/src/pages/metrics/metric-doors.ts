import type { MetricFilterInput } from '../../gql/graphql';
import { doorHref } from '../../lib/metric-door';
import type { MetricDoor } from '../../lib/metric-door';
import type { DayRange } from '../../lib/range';

/*
 * Which numbers of the Metrics page open onto customers, and which customers:
 * the membership of the API's customers filter that counts exactly that
 * number (docs/metrics.md → "The customers behind a number").
 */

/** The KPIs that count customers (or divide by a count of them), and the count. */
const KPI_MEMBERSHIPS: Partial<Record<string, { membership: MetricDoor['membership']; what: string }>> = {
  newCustomers: { membership: 'NEW_CUSTOMERS', what: 'the new customers' },
  cac: { membership: 'NEW_CUSTOMERS', what: 'the new customers CAC divides by' },
  activeCustomers: { membership: 'ACTIVE_CUSTOMERS', what: 'the active customers' },
  conversionRate: { membership: 'FUNNEL_REACHED', what: 'the customers who converted' },
};

/** The membership of a door for `range` and the page's filter. */
function base(range: DayRange, filter: MetricFilterInput | null): Omit<MetricDoor, 'membership'> {
  return {
    from: range.from,
    to: range.to,
    ...(filter?.segment ? { segment: filter.segment } : {}),
    ...(filter?.channel ? { channel: filter.channel } : {}),
    ...(filter?.campaign ? { campaign: filter.campaign } : {}),
  };
}

/** The door of a KPI tile (its link and the words on it), or undefined for a KPI that counts no customers. */
export function kpiDoor(
  kpi: string,
  range: DayRange,
  filter: MetricFilterInput | null,
  acquiredStage: string,
): { href: string; label: string } | undefined {
  const known = KPI_MEMBERSHIPS[kpi];
  if (!known) return undefined;
  const door: MetricDoor = { membership: known.membership, ...base(range, filter) };
  if (known.membership === 'FUNNEL_REACHED') door.stage = acquiredStage;
  return { href: doorHref(door), label: `See ${known.what}` };
}

/** The doors of one funnel step: who reached it, and who stopped there. */
export function funnelDoors(stage: string, range: DayRange, filter: MetricFilterInput | null): { reached: string; dropped: string } {
  return {
    reached: doorHref({ membership: 'FUNNEL_REACHED', stage, ...base(range, filter) }),
    dropped: doorHref({ membership: 'FUNNEL_DROPPED', stage, ...base(range, filter) }),
  };
}
