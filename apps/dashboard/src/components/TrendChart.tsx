import { useEffect, useId, useRef, useState } from 'react';
import type { KeyboardEvent, MouseEvent } from 'react';
import { niceTicks, partialReason } from '../lib/chart-scale';
import type { BucketKind } from '../lib/chart-scale';
import type { DayRange } from '../lib/range';
import './trend-chart.css';

type Point = { bucket: string; value: number | null };

type TrendChartProps = {
  /** What the series is, for the chart's accessible name ("New customers by week"). */
  title: string;
  points: readonly Point[];
  /** The same metric over the period before, bucket by bucket (drawn dashed beside); index i pairs with points[i]. */
  previous?: readonly Point[];
  format: (value: number | null) => string;
  /** Whole numbers only (counts): the axis ticks are whole too. */
  whole?: boolean;
  bucket: BucketKind;
  range: DayRange;
  /** Today as a UTC day (the current bucket is partial). */
  today: string;
};

/** The plot's width before it is measured; then its width in CSS pixels, so that text keeps its size on any screen. */
const INITIAL_WIDTH = 960;
const HEIGHT = 260;
const PAD = { left: 56, right: 16, top: 12, bottom: 28 };

/** The SVG path through the known values (a gap where one is missing). */
function linePath(values: ReadonlyArray<number | null>, x: (index: number) => number, y: (value: number) => number): string {
  let path = '';
  let open = false;
  values.forEach((value, index) => {
    if (value === null || !Number.isFinite(value)) {
      open = false;
      return;
    }
    path += `${open ? 'L' : 'M'}${x(index).toFixed(1)},${y(value).toFixed(1)}`;
    open = true;
  });
  return path;
}

/** The tooltip beside the active point, kept inside the chart: from its left edge near the start, up to its right edge near the end. */
function tooltipPlace(share: number): { left: string; transform: string } {
  const shift = share < 1 / 3 ? '0' : share > 2 / 3 ? '-100%' : '-50%';
  return { left: `${share * 100}%`, transform: `translateX(${shift})` };
}

/**
 * A trend with its axes: the value of every bucket, the period before drawn
 * dashed beside it, partial buckets (cut by the range, or still filling up)
 * drawn hollow. Hover or focus it and use the arrow keys (Home, End too) to
 * read each bucket's exact value and date in the tooltip, which is also a
 * live region.
 */
export function TrendChart({ title, points, previous, format, whole = false, bucket, range, today }: TrendChartProps) {
  const [active, setActive] = useState<number | null>(null);
  const [width, setWidth] = useState(INITIAL_WIDTH);
  const plot = useRef<HTMLDivElement>(null);
  const tooltipId = useId();
  useEffect(() => {
    const element = plot.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(240, Math.round(entry.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const values = points.map((point) => point.value);
  const before = previous?.map((point) => point.value) ?? [];
  const ticks = niceTicks([...values, ...before], 4, whole);
  const low = ticks[0];
  const high = ticks[ticks.length - 1];
  const innerWidth = width - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (points.length <= 1 ? innerWidth / 2 : (index / (points.length - 1)) * innerWidth);
  const y = (value: number) => PAD.top + innerHeight - ((value - low) / (high - low || 1)) * innerHeight;
  const partial = points.map((point) => partialReason(point.bucket, bucket, range, today));
  // Thin the date labels to one per ~90 pixels.
  const labelEvery = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor(innerWidth / 90))));

  const move = (index: number) => setActive(Math.max(0, Math.min(points.length - 1, index)));
  const onKeyDown = (event: KeyboardEvent) => {
    const current = active ?? points.length - 1;
    const next = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: points.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    move(next);
  };
  const onMouseMove = (event: MouseEvent<HTMLDivElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const svgX = ((event.clientX - box.left) / box.width) * width;
    move(Math.round(((svgX - PAD.left) / innerWidth) * (points.length - 1)));
  };

  const shown = active === null ? null : points[active];
  const previousPoint = active === null ? undefined : previous?.[active];
  return (
    <figure className="trend">
      <div
        ref={plot}
        className="trend__plot"
        role="group"
        aria-roledescription="chart"
        aria-label={`${title}: ${points.length} buckets. Use the left and right arrow keys to read each one.`}
        aria-describedby={tooltipId}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onFocus={() => setActive((current) => current ?? points.length - 1)}
        onMouseMove={onMouseMove}
        onMouseLeave={() => setActive(null)}
        onBlur={() => setActive(null)}
      >
        <svg viewBox={`0 0 ${width} ${HEIGHT}`} className="trend__svg" aria-hidden="true">
          {ticks.map((tick) => (
            <g key={tick}>
              <line className="trend__grid" x1={PAD.left} x2={width - PAD.right} y1={y(tick)} y2={y(tick)} />
              <text className="trend__tick" x={PAD.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
                {format(tick)}
              </text>
            </g>
          ))}
          {points.map((point, index) =>
            index % labelEvery === 0 || index === points.length - 1 ? (
              <text
                key={point.bucket}
                className="trend__tick"
                x={x(index)}
                y={HEIGHT - 8}
                textAnchor={
                  points.length > 1 && index === 0 ? 'start' : points.length > 1 && index === points.length - 1 ? 'end' : 'middle'
                }
              >
                {point.bucket.slice(bucket === 'MONTH' ? 0 : 5, bucket === 'MONTH' ? 7 : 10)}
              </text>
            ) : null,
          )}
          {before.length > 0 && <path className="trend__line trend__line--previous" d={linePath(before, x, y)} />}
          <path className="trend__line" d={linePath(values, x, y)} />
          {points.map((point, index) =>
            point.value === null ? null : (
              <circle
                key={point.bucket}
                className={`trend__dot${partial[index] ? ' trend__dot--partial' : ''}${index === active ? ' trend__dot--active' : ''}`}
                cx={x(index)}
                cy={y(point.value)}
                r={index === active ? 5 : 3.5}
              />
            ),
          )}
          {active !== null && <line className="trend__guide" x1={x(active)} x2={x(active)} y1={PAD.top} y2={HEIGHT - PAD.bottom} />}
        </svg>
        <div
          id={tooltipId}
          className={`trend__tooltip${shown ? '' : ' visually-hidden'}`}
          role="status"
          aria-live="polite"
          data-testid="trend-tooltip"
          style={active === null ? undefined : tooltipPlace(x(active) / width)}
        >
          {shown && (
            <>
              <strong>{format(shown.value)}</strong> {bucket === 'DAY' ? 'on' : bucket === 'WEEK' ? 'in the week of' : 'in the month of'}{' '}
              {shown.bucket}
              {previousPoint && (
                <span className="trend__tooltip-previous">
                  {' '}
                  · previous period {format(previousPoint.value)} ({previousPoint.bucket})
                </span>
              )}
              {partial[active ?? 0] && <span className="trend__tooltip-partial"> · {partial[active ?? 0]}</span>}
            </>
          )}
        </div>
      </div>
      <figcaption className="trend__legend">
        <span className="trend__key trend__key--current">this period</span>
        {before.length > 0 && <span className="trend__key trend__key--previous">previous period</span>}
        {partial.some(Boolean) && <span className="trend__key trend__key--partial">partial bucket</span>}
      </figcaption>
    </figure>
  );
}
