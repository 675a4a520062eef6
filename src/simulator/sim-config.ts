/** Durations of a simulated call at time scale 1, in milliseconds: close to a real PBX's. */
export const REAL_TIMINGS = {
  alertAfter: 300,
  answerAfter: 4_000,
  noAnswerAfter: 25_000,
  busyAfter: 1_500,
  /** notice + personal prompt + "press 1" */
  entryPrompts: 8_000,
  /** How long IVR 6500 waits for the 1 after its prompts. */
  confirmWait: 1_000,
  passwordPrompt: 3_000,
  keyGap: 350,
  /** "please hold" and hold music, twice, before the dialplan gives up waiting. */
  holdTimeout: 20_000,
  okPrompt: 2_500,
  retryPrompt: 3_500,
  otherPrompt: 2_000,
  reportResend: 2_000,
} as const;
export type Timings = { -readonly [K in keyof typeof REAL_TIMINGS]: number };

export function scaledTimings(scale: number): Timings {
  const out = {} as Timings;
  for (const [k, v] of Object.entries(REAL_TIMINGS)) out[k as keyof Timings] = Math.max(1, Math.round(v * scale));
  return out;
}

/** Faults a test or a demo may switch on; each is a probability from 0 to 1 unless said otherwise. */
export interface Faults {
  /** A delivered report is delivered once more. */
  duplicateReports: number;
  /** A report is lost for good, as when the PBX's session expired: the watchdog must notice. */
  dropReports: number;
  /** Random delay up to this many ms before each report is sent, so reports may overtake each other. */
  reorderJitterMs: number;
  /** ALERT reaches codecall before the answer to the dial request. */
  reportBeforeDialAnswer: number;
  /** An API answer is held back this long (ms) ... */
  slowAnswerMs: number;
  /** ... with this probability. */
  slowAnswers: number;
  /** An API request is refused with `failErrno` and not acted on. */
  failAnswers: number;
  failErrno: string;
  /** The PBX places the call and the connection drops before the answer goes out. */
  lostDialAnswer: number;
  /** A transfer is answered Success and never carried out. */
  lostTransfers: number;
  /** A transfer is refused with `failErrno` and not acted on. */
  refusedTransfers: number;
}

export const NO_FAULTS: Faults = {
  duplicateReports: 0,
  dropReports: 0,
  reorderJitterMs: 0,
  reportBeforeDialAnswer: 0,
  slowAnswerMs: 0,
  slowAnswers: 0,
  failAnswers: 0,
  failErrno: '30003',
  lostDialAnswer: 0,
  lostTransfers: 0,
  refusedTransfers: 0,
};
