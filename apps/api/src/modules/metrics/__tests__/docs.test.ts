import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { METRIC_FAMILIES } from '../metric-definition';
import type { MetricFamily } from '../metric-definition';
import { METRIC_NAMES, METRICS } from '../registry';

/*
 * docs/metrics.md and the registry describe the same metrics: each metric of
 * the registry is defined once on that page, in the section of its family
 * (a table row `| \`name\` |` or a bullet `- **\`name\`**`), and the page
 * defines nothing the registry does not compute.
 */

const DOCS = path.resolve(__dirname, '../../../../../../docs/metrics.md');

/** Per `## ` section of the page, the metric names it defines, in order. */
function definedBySection(markdown: string): Array<{ heading: string; names: string[] }> {
  const sections: Array<{ heading: string; names: string[] }> = [];
  for (const line of markdown.split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) sections.push({ heading: heading[1], names: [] });
    const defined = /^(?:\| `(\w+)` |- \*\*`(\w+)`\*\*)/.exec(line);
    if (defined && sections.length > 0) sections[sections.length - 1].names.push(defined[1] ?? defined[2]);
  }
  return sections;
}

describe('docs/metrics.md', () => {
  const sections = definedBySection(readFileSync(DOCS, 'utf8'));

  it('has a section per family, named after it', () => {
    for (const family of METRIC_FAMILIES) {
      expect(sections.filter((section) => section.heading.toLowerCase().includes(family)).map((section) => section.heading)).toHaveLength(
        1,
      );
    }
  });

  it('defines every metric of the registry once, in the section of its family, and nothing else', () => {
    const familyOf = (heading: string): MetricFamily | 'none' =>
      METRIC_FAMILIES.find((family) => heading.toLowerCase().includes(family)) ?? 'none';
    const documented = sections.flatMap((section) => section.names.map((name) => `${familyOf(section.heading)}: ${name}`));
    const registered = METRIC_NAMES.map((name) => `${METRICS[name].family}: ${name}`);
    expect([...documented].sort()).toEqual([...registered].sort());
  });
});
