import { Link } from 'react-router';
import { formatCount, formatShare } from '../../lib/format';
import '../../components/doors.css';
import type { StageCount, StageOverview } from './types';
import { stageToneClasses } from './stage-tone';

/** One card per funnel stage in order, then the off-path states set apart. */
export function StageBoard({ overview }: { overview: StageOverview }) {
  const tones = stageToneClasses(overview.stages);
  const funnel = overview.stages.filter((stage) => !stage.offPath);
  const offPath = overview.stages.filter((stage) => stage.offPath);
  const card = (stage: StageCount) => (
    <StageCard key={stage.stage} stage={stage} total={overview.total} toneClass={tones.get(stage.stage) ?? ''} />
  );

  return (
    <section className="board" aria-label="Customers per stage">
      <div className="board__group board__group--funnel">
        <h2 className="board__label">Funnel</h2>
        <ol className="board__cards">{funnel.map(card)}</ol>
      </div>
      {offPath.length > 0 && (
        <div className="board__group board__group--off-path">
          <h2 className="board__label">Off path</h2>
          <ol className="board__cards">{offPath.map(card)}</ol>
        </div>
      )}
    </section>
  );
}

type StageCardProps = {
  stage: StageCount;
  total: number;
  toneClass: string;
};

function StageCard({ stage, total, toneClass }: StageCardProps) {
  const share = total > 0 ? stage.count / total : 0;
  return (
    <li className={`stage-card ${toneClass}`}>
      <span className="stage-card__name">{stage.name}</span>
      {/* Keyed by the count so the number re-mounts, and its CSS pulse plays, on every change. */}
      <Link
        key={stage.count}
        className="stage-card__count"
        to={`/customers?stage=${encodeURIComponent(stage.stage)}`}
        aria-label={`${formatCount(stage.count)} in ${stage.name}: see them`}
      >
        {formatCount(stage.count)}
      </Link>
      <span className="stage-card__share">{formatShare(stage.count, total)} of customers</span>
      <span className="stage-card__bar" aria-hidden="true">
        <span className="stage-card__bar-fill" style={{ width: `${Math.min(100, share * 100)}%` }} />
      </span>
    </li>
  );
}
