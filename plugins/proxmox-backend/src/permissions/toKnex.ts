import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import type { Knex } from 'knex';
import type { RequestFilter } from './rules';

const COLUMNS: Record<RequestFilter['key'], string> = {
  requester: 'requester',
  owner: 'owner',
  state: 'state',
};

/**
 * Adds a permission condition to a query on `proxmox_requests` as SQL, so a
 * list is filtered by the database (no over-fetch, no filtering in JS).
 */
export function applyRequestFilter(
  query: Knex.QueryBuilder,
  criteria: PermissionCriteria<RequestFilter>,
): Knex.QueryBuilder {
  if ('allOf' in criteria) {
    return query.where(q => {
      for (const c of criteria.allOf) q.andWhere(s => applyRequestFilter(s, c));
    });
  }
  if ('anyOf' in criteria) {
    return query.where(q => {
      for (const c of criteria.anyOf) q.orWhere(s => applyRequestFilter(s, c));
    });
  }
  if ('not' in criteria) {
    return query.whereNot(q => applyRequestFilter(q, criteria.not));
  }
  const column = COLUMNS[criteria.key];
  if (criteria.values.length === 0) {
    // IN () matches nothing.
    return query.whereRaw('1 = 0');
  }
  return query.whereIn(column, criteria.values);
}
