import type { UnitOfWork } from '../../database/db';

/** Appends a deleted customer to the erasure log, in the deleting transaction, so projections that counted them let go. */
export async function recordErasure(uow: UnitOfWork, customerId: string): Promise<void> {
  await uow.execute(`INSERT INTO customer_erasures (customer_id) VALUES ($1)`, [customerId]);
  uow.logAppended();
}
