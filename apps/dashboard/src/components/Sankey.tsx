import { sankey, sankeyLinkHorizontal } from 'd3-sankey';
import type { SankeyLink, SankeyNode } from 'd3-sankey';
import { plural } from '../lib/format';

export type Flow = { from: string | null; to: string; count: number };

type SankeyProps = {
  flows: readonly Flow[];
  /** Display names by stage key. */
  names: ReadonlyMap<string, string>;
  /** Stage keys in board order (the funnel, then off-path). */
  order: readonly string[];
  /** CSS tone class by stage key. */
  tones: ReadonlyMap<string, string>;
  title: string;
};

type NodeDatum = { id: string; stage: string; side: 'from' | 'to' };
type LinkDatum = { count: number };
type LaidNode = SankeyNode<NodeDatum, LinkDatum>;
type LaidLink = SankeyLink<NodeDatum, LinkDatum>;

const WIDTH = 720;
const NODE_WIDTH = 14;
const ENTRY = '∅';

/**
 * Moves between stages as a two-column Sankey: the stage left (or "New" for
 * entries) on the left, the stage entered on the right. Laid out by d3-sankey,
 * drawn as plain SVG; a table of the same flows follows for screen readers.
 */
export function Sankey({ flows, names, order, tones, title }: SankeyProps) {
  const shown = flows.filter((flow) => flow.count > 0);
  const label = (stage: string) => (stage === ENTRY ? 'New' : (names.get(stage) ?? stage));
  const rank = (stage: string) => (stage === ENTRY ? -1 : order.indexOf(stage) === -1 ? order.length : order.indexOf(stage));
  const sources = [...new Set(shown.map((flow) => flow.from ?? ENTRY))].sort((a, b) => rank(a) - rank(b));
  const targets = [...new Set(shown.map((flow) => flow.to))].sort((a, b) => rank(a) - rank(b));
  const height = Math.max(160, Math.max(sources.length, targets.length) * 44);
  const nodes: NodeDatum[] = [
    ...sources.map((stage) => ({ id: `from:${stage}`, stage, side: 'from' as const })),
    ...targets.map((stage) => ({ id: `to:${stage}`, stage, side: 'to' as const })),
  ];
  const index = new Map(nodes.map((node, position) => [node.id, position]));
  const layout = sankey<NodeDatum, LinkDatum>()
    .nodeWidth(NODE_WIDTH)
    .nodePadding(14)
    .nodeSort((a, b) => rank(a.stage) - rank(b.stage))
    .extent([
      [130, 8],
      [WIDTH - 130, height - 8],
    ]);
  const graph =
    shown.length === 0
      ? null
      : layout({
          nodes: nodes.map((node) => ({ ...node })),
          links: shown.map((flow) => ({
            source: index.get(`from:${flow.from ?? ENTRY}`) as number,
            target: index.get(`to:${flow.to}`) as number,
            value: flow.count,
            count: flow.count,
          })),
        });
  if (!graph) return null;
  const path = sankeyLinkHorizontal<NodeDatum, LinkDatum>();
  const totals = new Map<string, number>();
  for (const node of graph.nodes as LaidNode[]) totals.set(node.id, node.value ?? 0);

  return (
    <figure className="sankey">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={title} className="sankey__svg">
        <g className="sankey__links">
          {(graph.links as LaidLink[]).map((link) => {
            const source = link.source as LaidNode;
            const target = link.target as LaidNode;
            return (
              <path
                key={`${source.id}>${target.id}`}
                d={path(link) ?? undefined}
                className={`sankey__link ${tones.get(target.stage) ?? ''}`}
                strokeWidth={Math.max(1, link.width ?? 1)}
              >
                <title>{`${label(source.stage)} → ${label(target.stage)}: ${plural(link.count, 'move')}`}</title>
              </path>
            );
          })}
        </g>
        {(graph.nodes as LaidNode[]).map((node) => {
          const x0 = node.x0 ?? 0;
          const y0 = node.y0 ?? 0;
          const y1 = node.y1 ?? 0;
          const left = node.side === 'from';
          return (
            <g key={node.id}>
              <rect
                x={x0}
                y={y0}
                width={NODE_WIDTH}
                height={Math.max(1, y1 - y0)}
                className={`sankey__node ${node.stage === ENTRY ? 'stage-tone--entry' : (tones.get(node.stage) ?? '')}`}
              />
              <text
                x={left ? x0 - 8 : x0 + NODE_WIDTH + 8}
                y={(y0 + y1) / 2}
                dy="0.35em"
                textAnchor={left ? 'end' : 'start'}
                className="sankey__label"
              >
                {label(node.stage)} · {(node.value ?? 0).toLocaleString()}
              </text>
            </g>
          );
        })}
      </svg>
      {/* A table ignores width and overflow, so the 1-px clipping box is a div around it (else it widens the page). */}
      <div className="visually-hidden">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Moves</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((flow) => (
              <tr key={`${flow.from ?? ENTRY}>${flow.to}`}>
                <td>{label(flow.from ?? ENTRY)}</td>
                <td>{label(flow.to)}</td>
                <td>{flow.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
