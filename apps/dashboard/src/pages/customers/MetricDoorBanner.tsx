import { Link } from 'react-router';
import { CsvExportButton } from '../../components/CsvExportButton';
import { describeDoor } from '../../lib/metric-door';
import type { MetricDoor } from '../../lib/metric-door';
import { plural } from '../../lib/format';
import '../../components/doors.css';

type MetricDoorBannerProps = {
  door: MetricDoor;
  /** How many customers the list holds (the API's totalCount: the number the door was opened from). */
  total: number | null;
  stages: ReadonlyArray<{ key: string; name: string }>;
  segments: ReadonlyArray<{ id: string; name: string }>;
  /** The list's URL without the door. */
  everyoneHref: string;
};

/** The parameters of customers.csv for a door (its segment is the export's segment). */
export function doorExportQuery(door: MetricDoor): URLSearchParams {
  const query = new URLSearchParams({ behind: door.membership, from: door.from, to: door.to });
  const optional: Array<[string, string | number | null | undefined]> = [
    ['segment', door.segment],
    ['channel', door.channel],
    ['campaign', door.campaign],
    ['attribution', door.attribution],
    ['lookbackDays', door.lookbackDays],
    ['funnelStage', door.stage],
    ['fromStage', door.fromStage],
    ['cohort', door.cohort],
    ['month', door.month],
  ];
  for (const [name, value] of optional) if (value != null && value !== '') query.set(name, String(value));
  return query;
}

/** Above the customers list opened from a number: which customers these are, how many, and what to do with them. */
export function MetricDoorBanner({ door, total, stages, segments, everyoneHref }: MetricDoorBannerProps) {
  const description = describeDoor(door, {
    stage: (key) => stages.find((stage) => stage.key === key)?.name ?? key,
    segment: (id) => segments.find((segment) => segment.id === id)?.name ?? 'of the link',
  });
  return (
    <section className="clm-card metric-door" aria-labelledby="metric-door-title" data-testid="metric-door">
      <h2 id="metric-door-title" className="clm-card__title">
        The customers behind the number
      </h2>
      <p className="metric-door__what">{description}</p>
      <p className="metric-door__count" data-testid="metric-door-count">
        {total === null ? 'Counting…' : plural(total, 'customer')}
      </p>
      <div className="metric-door__actions">
        <CsvExportButton path={`/api/customers.csv?${doorExportQuery(door).toString()}`} filename="customers-behind.csv" />
        <Link className="button button--quiet" to={everyoneHref}>
          Show everyone
        </Link>
      </div>
    </section>
  );
}
