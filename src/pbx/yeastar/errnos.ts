/**
 * S-Series API v1.1.0 errno catalogue (shared/pbx-api.md §5). `retryable` says whether the
 * same request may succeed later without anyone changing the PBX's configuration.
 */
interface ErrnoInfo {
  meaning: string;
  retryable: boolean;
}

const ERRNOS: Record<string, ErrnoInfo> = {
  '10002': { meaning: 'unsupported XML packet format', retryable: false },
  '10003': { meaning: 'unsupported API request', retryable: false },
  '10004': { meaning: 'required parameter blank', retryable: false },
  '10005': { meaning: 'call id does not exist', retryable: false },
  '10006': { meaning: 'extension does not exist', retryable: false },
  '10007': { meaning: 'call does not exist', retryable: false },
  '10008': { meaning: 'extension not idle', retryable: true },
  '10009': { meaning: 'extension may not be monitored', retryable: false },
  '10010': { meaning: 'monitor mode mismatch', retryable: false },
  '10011': { meaning: 'called number does not exist', retryable: false },
  '10012': { meaning: 'IVR does not exist', retryable: false },
  '10013': { meaning: 'queue does not exist', retryable: false },
  '10014': { meaning: 'ring group does not exist', retryable: false },
  '10015': { meaning: 'call not connected', retryable: true },
  '10016': { meaning: 'accept/refuse inbound call timed out', retryable: false },
  '10017': { meaning: 'extension configuration failed', retryable: true },
  '10018': { meaning: 'IVR configuration failed', retryable: true },
  '10019': { meaning: 'queue configuration failed', retryable: true },
  '10020': { meaning: 'alarm add/modify failed', retryable: true },
  '10021': { meaning: 'alarm does not exist', retryable: false },
  '10022': { meaning: 'alarm exists', retryable: false },
  '10023': { meaning: 'audio file does not exist', retryable: false },
  '10024': { meaning: 'extension has no outbound call permission', retryable: false },
  '10025': { meaning: 'configuration applied too frequently', retryable: true },
  '10026': { meaning: 'GSM module error', retryable: true },
  '10027': { meaning: 'SMS error', retryable: true },
  '10028': { meaning: 'SMS error', retryable: true },
  '10029': { meaning: 'SMS error', retryable: true },
  '10030': { meaning: 'SMS error', retryable: true },
  '10031': { meaning: 'callee number does not meet requirements', retryable: false },
  '10032': { meaning: 'wrong password', retryable: false },
  '10033': { meaning: 'failed to save extension outbound route settings', retryable: true },
  '20000': { meaning: 'only JSON supported', retryable: false },
  '20001': { meaning: 'only POST supported', retryable: false },
  '20002': { meaning: 'login failed: API user locked', retryable: false },
  '20003': { meaning: 'login failed: invalid username or password', retryable: false },
  '20004': { meaning: 'no such token', retryable: true },
  '20005': { meaning: 'token blank', retryable: true },
  '20006': { meaning: 'token timed out', retryable: true },
  '20007': { meaning: 'blank data', retryable: false },
  '20008': { meaning: 'wrong port', retryable: false },
  '20009': { meaning: 'blank request', retryable: false },
  '20010': { meaning: 'forwarding request to apisrv failed', retryable: true },
  '20011': { meaning: 'heartbeat configuration failed', retryable: true },
  '20012': { meaning: 'recording random invalid', retryable: false },
  '20013': { meaning: 'captcha wrong', retryable: false },
  '20014': { meaning: 'recording does not exist', retryable: false },
  '20015': { meaning: 'allowed IP wrong', retryable: false },
  '20016': { meaning: 'voicemail parameters wrong', retryable: false },
  '20017': { meaning: 'voicemail random invalid', retryable: false },
  '20018': { meaning: 'audio file does not exist', retryable: false },
  '20019': { meaning: 'CDR time format wrong', retryable: false },
  '20020': { meaning: 'CDR random invalid', retryable: false },
  '20021': { meaning: 'CDR does not exist', retryable: false },
  '30001': { meaning: 'JSON allocation failure (PBX internal)', retryable: true },
  '30003': { meaning: 'apisrv process not running', retryable: true },
};

/** Token errnos: log in again once and repeat the request. */
export const TOKEN_ERRNOS: ReadonlySet<string> = new Set(['20004', '20005', '20006']);

export function describeErrno(errno: string): ErrnoInfo {
  // The errno comes from the wire: never let it name an Object.prototype member.
  return Object.hasOwn(ERRNOS, errno) ? ERRNOS[errno]! : { meaning: 'undocumented error', retryable: false };
}
