/**
 * The Customers pages, for the router's `customers/:id?` route: the list
 * without an id, one customer's page with it.
 */
import { useParams } from 'react-router';
import { CustomerPage } from './CustomerPage';
import { CustomersPage } from './CustomersPage';
import '../../components/kit.css';

export { CustomerPage, CustomersPage };

export default function CustomersRoute() {
  const { id } = useParams();
  return id ? <CustomerPage key={id} /> : <CustomersPage />;
}
