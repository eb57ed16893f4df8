import type { ErrorLike } from '@apollo/client';
import type { ReactNode } from 'react';
import { apiErrorMessage } from '../lib/api-errors';

/** While a page's data loads. */
export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="state state--loading" role="status" aria-live="polite">
      <span className="state__spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** Nothing to show yet, and what would fill it. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state--empty">
      <p className="state__title">{title}</p>
      {children && <p className="state__detail">{children}</p>}
    </div>
  );
}

/** A failed load, with a retry when the page can offer one. */
export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="alert alert--error" role="alert">
      <span>{message}</span>
      {onRetry && (
        <button type="button" className="button button--quiet" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A failed API call in words a person can act on: a refused key or a missing scope says so. */
export function ApiErrorState({ error, onRetry }: { error: ErrorLike; onRetry?: () => void }) {
  return <ErrorState message={apiErrorMessage(error)} onRetry={onRetry} />;
}
