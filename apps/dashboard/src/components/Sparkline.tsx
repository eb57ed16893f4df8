type SparklineProps = {
  values: ReadonlyArray<number | null>;
  width?: number;
  height?: number;
};

/** A trend line over the buckets (gaps where a value is missing); decorative, the tile states the numbers. */
export function Sparkline({ values, width = 120, height = 32 }: SparklineProps) {
  const known = values.filter((value): value is number => value !== null && Number.isFinite(value));
  if (known.length < 2) return <svg className="sparkline" width={width} height={height} aria-hidden="true" />;
  const min = Math.min(...known);
  const max = Math.max(...known);
  const span = max - min || 1;
  const x = (index: number) => (values.length === 1 ? width / 2 : (index / (values.length - 1)) * (width - 4) + 2);
  const y = (value: number) => height - 3 - ((value - min) / span) * (height - 6);
  const segments: string[] = [];
  let current = '';
  values.forEach((value, index) => {
    if (value === null || !Number.isFinite(value)) {
      if (current) segments.push(current);
      current = '';
      return;
    }
    current += `${current ? 'L' : 'M'}${x(index).toFixed(1)},${y(value).toFixed(1)}`;
  });
  if (current) segments.push(current);
  const lastIndex = values.findLastIndex((value) => value !== null && Number.isFinite(value));
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      {segments.map((d) => (
        <path key={d} d={d} className="sparkline__line" />
      ))}
      {lastIndex >= 0 && <circle className="sparkline__dot" cx={x(lastIndex)} cy={y(values[lastIndex] as number)} r={2.5} />}
    </svg>
  );
}
