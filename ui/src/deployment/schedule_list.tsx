/**
 * A deployment's schedules: each in words with its spec, next run and an active switch, Edit
 * (the editor with its preview, in place) and Delete (asked twice); and "Add schedule". Every
 * change goes to the API (POST/PATCH/DELETE /api/deployments/{id}/schedules), after which the
 * page reloads the deployment: changing or deactivating a schedule deletes the runs it had
 * scheduled that have not started, so the upcoming runs change too.
 *
 * @module
 */

import { useState } from "preact/hooks";
import { api, errorMessage } from "../api/client.ts";
import type { Deployment, DeploymentSchedule } from "../api/types.ts";
import { When } from "../components/common.tsx";
import { formatTime } from "../lib/format.ts";
import { specText } from "../lib/schedules.ts";
import { ScheduleEditor } from "./schedule_editor.tsx";
import { scheduleWords } from "./words.ts";

function ScheduleRow(props: {
  deploymentId: string;
  schedule: DeploymentSchedule;
  paused: boolean;
  onEdit(): void;
  onChanged(): void;
}) {
  const { schedule } = props;
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const words = scheduleWords(schedule.schedule);

  async function act(call: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await call();
      props.onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <li class="schedule-row" data-schedule={schedule.id} data-active={String(schedule.active)}>
      <div class="schedule-main">
        <span class="schedule-words">{words}</span>
        <span class="mono small muted schedule-spec">{specText(schedule.schedule)}</span>
        <span class="small muted">
          Next run:{" "}
          {schedule.active && !props.paused && schedule.nextRunAt !== null ? (
            <>
              <When at={schedule.nextRunAt} /> ({formatTime(schedule.nextRunAt)})
            </>
          ) : (
            <span>{!schedule.active ? "inactive" : props.paused ? "paused" : "none"}</span>
          )}
        </span>
        {error !== undefined && (
          <span class="error-text" role="alert">
            {errorMessage(error)}
          </span>
        )}
      </div>
      <div class="schedule-actions">
        <label class="switch" title="An inactive schedule creates no runs">
          <input
            type="checkbox"
            role="switch"
            name="schedule-active"
            checked={schedule.active}
            aria-checked={schedule.active}
            disabled={busy}
            aria-label={`Schedule ${words} active`}
            onChange={(e) => {
              // Shows what the API says once it answers, not the click.
              e.currentTarget.checked = schedule.active;
              void act(() =>
                api.updateSchedule(props.deploymentId, schedule.id, { active: !schedule.active }),
              );
            }}
          />
          <span class="switch-track" aria-hidden="true" />
          <span class="switch-text">{schedule.active ? "Active" : "Inactive"}</span>
        </label>
        {confirming ? (
          <>
            <button
              type="button"
              class="button small danger"
              disabled={busy}
              onClick={() => act(() => api.deleteSchedule(props.deploymentId, schedule.id))}
            >
              Delete it
            </button>
            <button type="button" class="button small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button type="button" class="button small" disabled={busy} onClick={props.onEdit}>
              Edit
            </button>
            <button
              type="button"
              class="button small danger"
              disabled={busy}
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          </>
        )}
      </div>
    </li>
  );
}

/**
 * The list and the editor.
 *
 * @example
 * ```tsx
 * <ScheduleList deployment={d} onChanged={deployment.reload} />
 * ```
 */
export function ScheduleList(props: { deployment: Deployment; onChanged(): void }) {
  const d = props.deployment;
  // Which schedule the editor is open on: "new", a schedule id, or none.
  const [editing, setEditing] = useState<string | null>(null);
  const done = () => {
    setEditing(null);
    props.onChanged();
  };
  return (
    <div class="schedules">
      {d.paused && d.schedules.length > 0 && (
        <p class="notice">
          This deployment is paused: its schedules create no runs until it is resumed.
        </p>
      )}
      {d.schedules.length === 0 && editing !== "new" && (
        <p class="empty">No schedules: this deployment runs only when asked.</p>
      )}
      <ul class="schedule-list">
        {d.schedules.map((s) =>
          editing === s.id ? (
            <li key={s.id} class="schedule-row editing" data-schedule={s.id}>
              <ScheduleEditor
                initial={s.schedule}
                saveLabel="Save schedule"
                onCancel={() => setEditing(null)}
                onSave={async (spec) => {
                  await api.updateSchedule(d.id, s.id, { schedule: spec });
                  done();
                }}
              />
            </li>
          ) : (
            <ScheduleRow
              key={s.id}
              deploymentId={d.id}
              schedule={s}
              paused={d.paused}
              onEdit={() => setEditing(s.id)}
              onChanged={props.onChanged}
            />
          ),
        )}
      </ul>
      {editing === "new" ? (
        <div class="schedule-new">
          <h3>New schedule</h3>
          <ScheduleEditor
            saveLabel="Add schedule"
            onCancel={() => setEditing(null)}
            onSave={async (spec) => {
              await api.addSchedule(d.id, { schedule: spec, active: true });
              done();
            }}
          />
        </div>
      ) : (
        <div class="buttons">
          <button type="button" class="button" onClick={() => setEditing("new")}>
            Add schedule
          </button>
        </div>
      )}
    </div>
  );
}
