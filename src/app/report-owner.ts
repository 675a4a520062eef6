/** What names the call a report is about: the PBX's ids for it, and the number called. */
export interface ReportRef {
  pbxCallId: string;
  legId: string | null;
  phone: string | null;
}

/**
 * SQL that finds the attempt a report belongs to, as `owner(call_id, no)`, for a row `r` with
 * the report's pbx_call_id, leg_id and phone: by the PBX's call or leg id, the newest attempt
 * first; else by number among attempts still open, because reports may come before the dial
 * answer that tells the call id, or with another id (the seed's differing `outboundid`).
 */
export function reportOwnerJoin(r: string): string {
  return `LEFT JOIN LATERAL (
       SELECT m.call_id, m.no FROM (
         (SELECT a.call_id, a.no, 1 AS rank FROM dial_attempt a
          WHERE a.pbx_call_id = ${r}.pbx_call_id OR a.leg_id = ${r}.pbx_call_id OR (${r}.leg_id IS NOT NULL AND a.leg_id = ${r}.leg_id)
          ORDER BY a.id DESC LIMIT 1)
         UNION ALL
         (SELECT a.call_id, a.no, 2 FROM dial_attempt a
          WHERE ${r}.phone IS NOT NULL AND a.phone = ${r}.phone AND a.state <> 'ended'
          ORDER BY a.id DESC LIMIT 1)
       ) m ORDER BY m.rank LIMIT 1) owner ON true`;
}
