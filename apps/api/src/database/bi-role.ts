import type { Db } from './db';
import { sqlState } from './db';

/** The read-only role BI tools log in as (created by the `bi` migration, without LOGIN). */
export const BI_ROLE = 'clm_bi';

/** Why the BI role's password could not be set, in words an operator can act on. */
export class BiRoleError extends Error {}

/**
 * Gives `clm_bi` LOGIN with `password` (CLM_BI_PASSWORD), at every start-up,
 * so changing the variable and restarting changes the password.
 *
 * ALTER ROLE takes no bind parameters, so the password travels as one (into
 * a transaction-local setting) and PostgreSQL itself quotes it as a literal
 * (`format('%L')`): no character of it is ever part of SQL text, and the
 * statement the server logs (the DO block) does not contain it.
 */
export async function applyBiPassword(db: Db, password: string): Promise<void> {
  try {
    await db.transaction(async (uow) => {
      await uow.query(`SELECT set_config('clm.bi_password', $1, true)`, [password]);
      await uow.execute(`DO $$ BEGIN
        EXECUTE format('ALTER ROLE ${BI_ROLE} WITH LOGIN PASSWORD %L', current_setting('clm.bi_password'));
      END $$`);
    });
  } catch (error) {
    const state = sqlState(error);
    if (state === '42704')
      throw new BiRoleError(
        `CLM_BI_PASSWORD is set but the role ${BI_ROLE} does not exist: the database user could not create it when the migrations ran; ` +
          `create it as a superuser (see README, "BI tools") and restart`,
      );
    if (state === '42501')
      throw new BiRoleError(`CLM_BI_PASSWORD is set but the database user may not change the role ${BI_ROLE} (it needs CREATEROLE)`);
    throw error;
  }
}
