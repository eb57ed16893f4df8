import { lazy, Suspense } from 'react';
import type { ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Layout } from '../components/Layout';
import { EmptyState, LoadingState } from '../components/States';
import { LivePage } from '../pages/live/LivePage';

/*
 * Every page but Live (the first one) is its own chunk, loaded when first visited.
 * A page folder exports its route component as the default of `pages/<name>/index.tsx`.
 */
const MetricsPage = lazy(() => import('../pages/metrics'));
const CohortsPage = lazy(() => import('../pages/cohorts'));

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<LoadingState label="Loading the page…" />}>{children}</Suspense>;
}

function Coming({ title }: { title: string }) {
  return (
    <div>
      <header className="page-header">
        <h1 className="page-header__title">{title}</h1>
      </header>
      <EmptyState title={`${title} is coming`}>This page is being built.</EmptyState>
    </div>
  );
}

function NotFound() {
  return (
    <EmptyState title="No such page">
      Pick a page from the navigation; <a href="/live">Live</a> shows where every customer is now.
    </EmptyState>
  );
}

/** The bookmarkable URLs of the dashboard. */
export function AppRoutes({ onSignOut }: { onSignOut: () => void }) {
  return (
    <Routes>
      <Route element={<Layout onSignOut={onSignOut} />}>
        <Route index element={<Navigate to="/live" replace />} />
        <Route path="live" element={<LivePage />} />
        <Route
          path="metrics"
          element={
            <Page>
              <MetricsPage />
            </Page>
          }
        />
        <Route
          path="cohorts"
          element={
            <Page>
              <CohortsPage />
            </Page>
          }
        />
        <Route path="customers/:id?" element={<Coming title="Customers" />} />
        <Route path="segments/:id?" element={<Coming title="Segments" />} />
        <Route path="settings" element={<Coming title="Settings" />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
