/**
 * The Segments pages, for the router's `segments/:id?` route: the list
 * without an id, the rule builder with one (`new` for a new segment).
 */
import { useParams } from 'react-router';
import { SegmentEditorPage } from './SegmentEditorPage';
import { SegmentsPage } from './SegmentsPage';
import '../../components/kit.css';

export { SegmentEditorPage, SegmentsPage };

export default function SegmentsRoute() {
  const { id } = useParams();
  return id ? <SegmentEditorPage key={id} /> : <SegmentsPage />;
}
