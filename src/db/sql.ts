import { ACTIVE_STATUSES } from '../domain/outcomes.js';

/** The live call statuses as an SQL list, for `status IN (...)`. */
export const ACTIVE_STATUS_SQL = ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ');
