import { lazy, Suspense } from 'react';
import type { ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Layout } from './Layout';
import { EmptyState, LoadingState } from '../components/States';
import LivePage from '../pages/live';
import { usePageTitle } from '../lib/usePageTitle';

/*
 * Every page but Live (the first one) is its own chunk, loaded when first visited.
 * A page folder exports its route component as the default of `pages/<name>/index.tsx`.
 */
const MetricsPage = lazy(() => import('../pages/metrics'));
const CohortsPage = lazy(() => import('../pages/cohorts'));
const CustomersPage = lazy(() => import('../pages/customers'));
const SegmentsPage = lazy(() => import('../pages/segments'));
const SettingsPage = lazy(() => import('../pages/settings'));

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<LoadingState label="Loading the page…" />}>{children}</Suspense>;
}

function NotFound() {
  usePageTitle('No such page');
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
        <Route
          path="customers/:id?"
          element={
            <Page>
              <CustomersPage />
            </Page>
          }
        />
        <Route
          path="segments/:id?"
          element={
            <Page>
              <SegmentsPage />
            </Page>
          }
        />
        <Route
          path="settings"
          element={
            <Page>
              <SettingsPage />
            </Page>
          }
        />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
