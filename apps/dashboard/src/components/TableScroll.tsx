import type { ReactNode } from 'react';

/**
 * A table that scrolls sideways on a narrow screen. Focusable, with a name,
 * so a keyboard user can scroll it too (axe: scrollable-region-focusable).
 */
export function TableScroll({ label, busy, children }: { label: string; busy?: boolean; children: ReactNode }) {
  return (
    <div className="clm-table-wrap" role="region" aria-label={label} aria-busy={busy} tabIndex={0}>
      {children}
    </div>
  );
}
