/**
 * Why a run or a task run waits, linked to the limit it waits for: the engine's state message
 * "Waiting for concurrency limit 'db' (2/2 slots held)", with 'db' a link to the limit's page.
 * The limit's name is read with runtime/limits/messages.ts's `waitingLimitOf`, the one place
 * that knows the message's wording (imported from there, not protocol/concurrency.ts, whose
 * zod schemas the UI's bundle does not need).
 *
 * @module
 */

import type { ComponentChildren } from "preact";
import { waitingLimitOf } from "../../../runtime/limits/messages.ts";
import type { RunDetail, State, StepDetail } from "../api/types.ts";
import { isFinalType } from "../lib/format.ts";
import { paths } from "../lib/routes.ts";

/**
 * The limit a state waits for, or undefined.
 *
 * @example
 * ```ts
 * waitingLimit(run.state); // "db"
 * ```
 */
export function waitingLimit(state: State | null | undefined): string | undefined {
  if (state === null || state === undefined || isFinalType(state.type)) return undefined;
  return waitingLimitOf(state.message);
}

/**
 * The message with the limit's name linked; null when the state waits for no limit.
 *
 * @example
 * ```tsx
 * <WaitingFor state={run.state} />
 * ```
 */
export function WaitingFor(props: {
  state: State | null | undefined;
  children?: ComponentChildren;
}) {
  const name = waitingLimit(props.state);
  const message = props.state?.message;
  if (name === undefined || message === undefined) return null;
  // The name appears quoted in the message: link that part, keep the rest as written.
  const quoted = `'${name}'`;
  const at = message.indexOf(quoted);
  const link = (
    <a href={paths.concurrencyLimit(name)} data-testid="waiting-limit" data-limit={name}>
      {name}
    </a>
  );
  return (
    <span class="waiting-for" data-limit={name}>
      {props.children}
      {at === -1 ? (
        <>
          {message} ({link})
        </>
      ) : (
        <>
          {message.slice(0, at)}'{link}'{message.slice(at + quoted.length)}
        </>
      )}
    </span>
  );
}

/**
 * The steps of a run that wait for a slot now.
 *
 * @example
 * ```ts
 * waitingSteps(run).length; // 1
 * ```
 */
export function waitingSteps(run: RunDetail): StepDetail[] {
  return run.steps.filter((s) => s.endedAt === null && waitingLimit(s.state) !== undefined);
}

/**
 * The notices a run page shows under its header: the run's own wait, then each waiting step's.
 *
 * @example
 * ```tsx
 * <RunWaits run={run} />
 * ```
 */
export function RunWaits(props: { run: RunDetail }) {
  const { run } = props;
  const steps = waitingSteps(run);
  // A run suspended for its step's slot says the same as the step: the step's line names it.
  const mine = waitingLimit(run.state);
  const own = mine !== undefined && !steps.some((s) => waitingLimit(s.state) === mine);
  if (!own && steps.length === 0) return null;
  return (
    <div class="notice waiting-notices" data-testid="run-waits">
      {own && (
        <p class="waiting-line" data-testid="run-waiting">
          <WaitingFor state={run.state} />
        </p>
      )}
      {steps.map((step) => (
        <p class="waiting-line" key={step.id} data-step={step.id}>
          <WaitingFor state={step.state}>
            <span class="strong">{step.runName}</span>:{" "}
          </WaitingFor>
        </p>
      ))}
    </div>
  );
}
