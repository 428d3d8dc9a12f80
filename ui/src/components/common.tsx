/**
 * Small shared pieces: state badges, error boxes, times, durations, tags, JSON.
 *
 * @module
 */

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import {
  formatDuration,
  formatRelative,
  formatTime,
  prettyJson,
  runDuration,
  stateClass,
} from "../lib/format.ts";

/**
 * A state as a coloured badge with Prefect's name (`Completed`, `AwaitingRetry`, `Cached`…).
 *
 * @example
 * ```tsx
 * <StateBadge state={run.state} />
 * ```
 */
export function StateBadge(props: {
  state: { type: string; name: string } | null | undefined;
  small?: boolean;
}) {
  const state = props.state;
  const label = state?.name ?? "Pending";
  return (
    <span
      class={`badge ${stateClass(state?.type)}${props.small === true ? " badge-small" : ""}`}
      title={state?.type ?? "PENDING"}
      data-state={state?.type ?? "PENDING"}
      data-name={label}
    >
      <span class="badge-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

/**
 * An error, with the API's own message.
 *
 * @example
 * ```tsx
 * {error !== undefined && <ErrorBox error={error} />}
 * ```
 */
export function ErrorBox(props: { error: unknown; title?: string }) {
  return (
    <div class="error-box" role="alert">
      {props.title !== undefined && <strong>{props.title}: </strong>}
      {errorMessage(props.error)}
    </div>
  );
}

/**
 * A spinner line for something loading.
 *
 * @example
 * ```tsx
 * <Loading what="flows" />
 * ```
 */
export function Loading(props: { what: string }) {
  return (
    <p class="muted loading" aria-busy="true">
      Loading {props.what}…
    </p>
  );
}

/**
 * The current time, ticking every second while `active` (durations of running runs grow on
 * screen; no request is made).
 *
 * @example
 * ```ts
 * const now = useNow(!isFinalType(run.state?.type));
 * ```
 */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return active ? now : Date.now();
}

/**
 * A moment, relative (`3m ago`) with the exact time on hover, or exact.
 *
 * @example
 * ```tsx
 * <When at={run.createdAt} />
 * ```
 */
export function When(props: { at: number | null | undefined; exact?: boolean }) {
  const at = props.at;
  if (at === null || at === undefined) return <span class="muted">—</span>;
  const exact = formatTime(at);
  return (
    <time dateTime={new Date(at).toISOString()} title={exact}>
      {props.exact === true ? exact : formatRelative(at, Date.now())}
    </time>
  );
}

/**
 * How long something ran (to now while it runs).
 *
 * @example
 * ```tsx
 * <Duration start={run.startedAt} end={run.endedAt} now={now} />
 * ```
 */
export function Duration(props: {
  start: number | null | undefined;
  end: number | null | undefined;
  now: number;
}) {
  const ms = runDuration(props.start, props.end, props.now);
  return ms === null ? <span class="muted">—</span> : <span>{formatDuration(ms)}</span>;
}

/**
 * Tags as chips.
 *
 * @example
 * ```tsx
 * <Tags tags={run.tags} />
 * ```
 */
export function Tags(props: { tags: readonly string[] }) {
  if (props.tags.length === 0) return null;
  return (
    <span class="tags">
      {props.tags.map((tag) => (
        <span class="tag" key={tag}>
          {tag}
        </span>
      ))}
    </span>
  );
}

/**
 * A JSON value, pretty-printed, cut after `limit` characters.
 *
 * @example
 * ```tsx
 * <Json value={run.parameters} />
 * ```
 */
export function Json(props: { value: unknown; limit?: number }) {
  return <pre class="json">{prettyJson(props.value, props.limit ?? 20_000)}</pre>;
}

/**
 * A titled card.
 *
 * @example
 * ```tsx
 * <Card title="Parameters"><Json value={p} /></Card>
 * ```
 */
export function Card(props: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  id?: string;
}) {
  return (
    <section class={`card${props.class === undefined ? "" : ` ${props.class}`}`} id={props.id}>
      {(props.title !== undefined || props.actions !== undefined) && (
        <header class="card-header">
          {props.title !== undefined && <h2>{props.title}</h2>}
          {props.actions !== undefined && <div class="card-actions">{props.actions}</div>}
        </header>
      )}
      {props.children}
    </section>
  );
}
