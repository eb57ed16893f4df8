import { Link } from 'react-router';
import { formatChange } from '../lib/format';
import { Sparkline } from './Sparkline';
import './doors.css';

type KpiTileProps = {
  /** Used as the tile's test id and key: `kpi-<id>`. */
  id: string;
  label: string;
  /** The total over the range, already formatted ("—" when missing). */
  value: string;
  /** (total − previous) ÷ |previous|, or points for NPS; null without a previous period. */
  change: number | null | undefined;
  /** True when a rise is bad news (churn, CAC): the change is coloured the other way. */
  lowerIsBetter?: boolean;
  changeInPoints?: boolean;
  series: ReadonlyArray<{ bucket: string; value: number | null }>;
  hint?: string;
  /** The KPI's own view: the label links there. */
  href?: string;
  /** The customers behind the number: a link under it. */
  door?: { href: string; label: string };
};

/** One KPI: its value over the range, the trend by bucket and the change against the previous period. */
export function KpiTile({
  id,
  label,
  value,
  change,
  lowerIsBetter = false,
  changeInPoints = false,
  series,
  hint,
  href,
  door,
}: KpiTileProps) {
  const known = typeof change === 'number' && Number.isFinite(change) && change !== 0;
  const good = known && change > 0 !== lowerIsBetter;
  const tone = !known ? 'flat' : good ? 'good' : 'bad';
  const arrow = !known ? '' : change > 0 ? '▲ ' : '▼ ';
  return (
    <li className="kpi" data-testid={`kpi-${id}`} title={hint}>
      {href ? (
        <Link className="kpi__label kpi__label--link" to={href}>
          {label}
        </Link>
      ) : (
        <span className="kpi__label">{label}</span>
      )}
      <span className="kpi__value">{value}</span>
      <span className={`kpi__change kpi__change--${tone}`}>
        <span aria-hidden="true">{arrow}</span>
        {formatChange(change, changeInPoints)}
        <span className="visually-hidden"> vs the previous period</span>
        <span aria-hidden="true" className="kpi__vs">
          {' '}
          vs prev.
        </span>
      </span>
      <Sparkline values={series.map((point) => point.value)} />
      {door && (
        <Link className="kpi__door" to={door.href} data-testid={`kpi-${id}-door`}>
          {door.label}
        </Link>
      )}
    </li>
  );
}
