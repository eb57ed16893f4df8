import { useParams } from 'react-router';
import { KpiPage } from './KpiPage';
import { MetricsPage } from './MetricsPage';
import '../../components/kit.css';

/** The Metrics pages, for the router's `metrics/:kpi?` route: every KPI and the funnel without a KPI, that KPI's own view with one. */
export default function MetricsRoute() {
  const { kpi } = useParams();
  return kpi ? <KpiPage key={kpi} kpiId={kpi} /> : <MetricsPage />;
}
