import { useEffect } from 'react';

/** The browser tab's title for a page: its own name first (most specific first), then "clm". */
export function pageTitle(...parts: ReadonlyArray<string | null | undefined>): string {
  return [...parts.filter((part): part is string => Boolean(part)), 'clm'].join(' · ');
}

/** Sets `document.title` while the page is shown, so tabs, history and bookmarks say which page this is. */
export function usePageTitle(...parts: ReadonlyArray<string | null | undefined>): void {
  const title = pageTitle(...parts);
  useEffect(() => {
    document.title = title;
  }, [title]);
}
