import type { MachineInput } from '../domain/call-machine.js';
import type { Db } from '../db/prisma.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { transitionCall, type TransitionDeps } from './call-transitions.js';
import type { ClaimedAction } from './send-routing-action.js';

/**
 * An operator's action on one call: cancel (a live call only with `hangup`) or retry now.
 * Returns the routing actions to deliver (the hang-up of a live call).
 */
export async function actOnCall(deps: TransitionDeps & { prisma: Db }, callId: string, input: Extract<MachineInput, { type: 'cancel' | 'retry-now' }>): Promise<ClaimedAction[]> {
  const applied = await transitionCall(deps, callId, input, { kind: `operator.${input.type}`, detail: input.type === 'cancel' ? { hangup: Boolean(input.hangup) } : {} });
  if (!applied) throw new NotFoundError('call', callId);
  if (applied.transition.ignored) throw new ConflictError(`cannot ${input.type === 'cancel' ? 'cancel' : 'retry'} this call: ${applied.transition.ignored}`);
  return applied.actions;
}
