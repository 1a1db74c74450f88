import type { Knex } from 'knex';
import { TABLES } from '../database/tables';

/** The number of requests in each state that has any (for the gauge). */
export async function countRequestsByState(
  knex: Knex,
): Promise<Record<string, number>> {
  const rows: Array<{ state: string; n: number | string }> = await knex(
    TABLES.requests,
  )
    .select('state')
    .count({ n: '*' })
    .groupBy('state');
  return Object.fromEntries(rows.map(r => [r.state, Number(r.n)]));
}
