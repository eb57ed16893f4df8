import { useId } from 'react';
import { parseRange, RANGE_PRESETS, rangeLabel } from '../lib/range';

type RangePickerProps = {
  /** The URL's `range` value (a preset key or `from..to`). */
  value: string;
  onChange: (value: string) => void;
  label?: string;
  /** The range the page shows when `value` is not one: the picker shows it too, and says why. */
  fallback?: string;
};

/**
 * A preset range, or two dates for a custom one; the value is what goes in the
 * URL. A bad value in the URL is said so, and the picker shows the range the
 * page falls back to (parse the page's range with the same `fallback`).
 */
export function RangePicker({ value, onChange, label = 'Range', fallback = '30d' }: RangePickerProps) {
  const id = useId();
  const { key, range, problem } = parseRange(value, fallback);
  const custom = !RANGE_PRESETS.some((preset) => preset.key === key);
  const setDay = (end: 'from' | 'to', day: string) => {
    if (!day) return;
    const next = { ...range, [end]: day };
    if (next.from <= next.to) onChange(`${next.from}..${next.to}`);
  };
  return (
    <div className="picker picker--range">
      <label htmlFor={`${id}-preset`} className="picker__label">
        {label}
      </label>
      <select
        id={`${id}-preset`}
        className="picker__control"
        value={custom ? 'custom' : key}
        onChange={(event) => onChange(event.target.value === 'custom' ? `${range.from}..${range.to}` : event.target.value)}
      >
        {RANGE_PRESETS.map((preset) => (
          <option key={preset.key} value={preset.key}>
            {preset.label}
          </option>
        ))}
        <option value="custom">Custom dates…</option>
      </select>
      {custom && (
        <span className="picker__dates">
          <input
            type="date"
            aria-label={`${label}: first day`}
            className="picker__control"
            value={range.from}
            max={range.to}
            onChange={(event) => setDay('from', event.target.value)}
          />
          <span aria-hidden="true">–</span>
          <input
            type="date"
            aria-label={`${label}: last day`}
            className="picker__control"
            value={range.to}
            min={range.from}
            onChange={(event) => setDay('to', event.target.value)}
          />
        </span>
      )}
      {problem && (
        <p className="picker__problem" role="alert">
          The range in the address is wrong: {problem}. Showing {rangeLabel(key, range)} instead.
        </p>
      )}
    </div>
  );
}

type SelectPickerProps = {
  label: string;
  value: string;
  /** `unavailable`: why the option is not offered (shown greyed out with the reason). */
  options: ReadonlyArray<{ value: string; label: string; unavailable?: string }>;
  onChange: (value: string) => void;
  /** The label of the empty choice ("All segments"). */
  allLabel?: string;
};

/** A labelled select (bucket, segment, channel, campaign). */
export function SelectPicker({ label, value, options, onChange, allLabel }: SelectPickerProps) {
  const id = useId();
  return (
    <div className="picker">
      <label htmlFor={id} className="picker__label">
        {label}
      </label>
      <select id={id} className="picker__control" value={value} onChange={(event) => onChange(event.target.value)}>
        {allLabel !== undefined && <option value="">{allLabel}</option>}
        {options.map((option) => (
          <option key={option.value} value={option.value} disabled={option.unavailable !== undefined} title={option.unavailable}>
            {option.unavailable === undefined ? option.label : `${option.label} (over the cost limit)`}
          </option>
        ))}
      </select>
    </div>
  );
}
