/**
 * The "run this flow" form, generated from the flow's parameter JSON Schema (see
 * lib/schema_form.ts): one input per parameter, defaults filled in, required ones marked, and
 * the API's 422 shown next to the field it names. A flow without a schema takes its
 * parameters as one JSON object.
 *
 * @module
 */

import type { JSX } from "preact";
import { useMemo, useState } from "preact/hooks";
import { ApiRequestError, api, errorMessage } from "../api/client.ts";
import type { Flow, RunDetail } from "../api/types.ts";
import {
  errorTarget,
  type Field,
  type FieldValue,
  fieldsOf,
  initialValue,
  parseTags,
  readJsonObject,
  readValues,
} from "../lib/schema_form.ts";

type Errors = Record<string, string>;

function FieldError(props: { id: string; message: string | undefined }) {
  if (props.message === undefined) return null;
  return (
    <p class="field-error" id={props.id} role="alert">
      {props.message}
    </p>
  );
}

/** The on-screen keyboard to offer (the input stays type=text so the API judges the value). */
function inputModeOf(field: Field): "numeric" | "decimal" | "url" | "email" | "text" {
  if (field.kind === "integer") return "numeric";
  if (field.kind === "number") return "decimal";
  if (field.format === "uri" || field.format === "url") return "url";
  if (field.format === "email") return "email";
  return "text";
}

function ParameterInput(props: {
  field: Field;
  value: FieldValue;
  error: string | undefined;
  onChange(value: FieldValue): void;
}) {
  const { field, value, error } = props;
  const id = `param-${field.name}`;
  const errorId = `${id}-error`;
  const common = {
    id,
    name: field.name,
    "aria-invalid": error !== undefined,
    "aria-describedby": error !== undefined ? errorId : undefined,
  };
  let input: JSX.Element;
  switch (field.kind) {
    case "boolean":
      input = (
        <input
          {...common}
          type="checkbox"
          checked={value === true}
          onChange={(e) => props.onChange(e.currentTarget.checked)}
        />
      );
      break;
    case "enum":
      input = (
        <select
          {...common}
          value={String(value)}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        >
          {(!field.required || !field.hasDefault) && <option value="">— not set —</option>}
          {(field.options ?? []).map((option, i) => (
            <option key={String(i)} value={String(i)}>
              {typeof option === "string" ? option : JSON.stringify(option)}
            </option>
          ))}
        </select>
      );
      break;
    case "json":
      input = (
        <textarea
          {...common}
          class="mono"
          rows={4}
          spellcheck={false}
          placeholder="JSON, e.g. [1, 2] or {}"
          value={String(value)}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      );
      break;
    default: {
      const numeric = field.kind === "number" || field.kind === "integer";
      input = (
        <input
          {...common}
          type="text"
          inputMode={inputModeOf(field)}
          class={numeric ? "mono" : undefined}
          value={String(value)}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      );
    }
  }
  return (
    <div class={`field${field.kind === "boolean" ? " field-check" : ""}`} data-field={field.name}>
      <label for={id} class="field-label">
        {field.label}
        {field.required && (
          <span class="required" title="required">
            *
          </span>
        )}
        <span class="field-type">{field.kind === "json" ? "JSON" : field.kind}</span>
      </label>
      {input}
      {(field.hint !== undefined || field.hasDefault) && (
        <p class="field-hint">
          {field.hint}
          {field.hint !== undefined && field.hasDefault && " · "}
          {field.hasDefault && `default ${JSON.stringify(field.default)}`}
        </p>
      )}
      {field.description !== undefined && <p class="field-hint">{field.description}</p>}
      <FieldError id={errorId} message={error} />
    </div>
  );
}

/**
 * The form. Calls `onCreated` with the new run (the page then navigates to it). A deployment's
 * Custom run passes its `defaults` (shown instead of the schema's) and `create` (its own route).
 *
 * @example
 * ```tsx
 * <ParameterForm flow={flow} onCreated={(run) => navigate(paths.run(run.id))} />
 * ```
 */
export function ParameterForm(props: {
  flow: Flow;
  onCreated(run: RunDetail): void;
  defaults?: Readonly<Record<string, unknown>>;
  create?(body: {
    parameters: Record<string, unknown>;
    name?: string;
    tags?: string[];
  }): Promise<RunDetail>;
}) {
  const { flow, defaults = {} } = props;
  const fields = useMemo(() => fieldsOf(flow.parametersSchema), [flow]);
  const [values, setValues] = useState<Record<string, FieldValue>>(() =>
    Object.fromEntries(
      (fields ?? []).map((f) => [
        f.name,
        initialValue(
          Object.hasOwn(defaults, f.name)
            ? { ...f, hasDefault: true, default: defaults[f.name] }
            : f,
        ),
      ]),
    ),
  );
  const [json, setJson] = useState(() => JSON.stringify(defaults, null, 2));
  const [runName, setRunName] = useState("");
  const [tags, setTags] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [submitting, setSubmitting] = useState(false);
  const names = (fields ?? []).map((f) => f.name);

  async function submit(event: Event) {
    event.preventDefault();
    setFormError(undefined);
    const read = fields === null ? readJsonObject(json) : readValues(fields, values);
    if (!read.ok) {
      setErrors(read.errors);
      return;
    }
    setErrors({});
    setSubmitting(true);
    try {
      const tagList = parseTags(tags);
      const body = {
        parameters: read.parameters,
        ...(runName.trim() === "" ? {} : { name: runName.trim() }),
        ...(tagList.length === 0 ? {} : { tags: tagList }),
      };
      const run = await (props.create ?? ((b) => api.createRun(flow.name, b)))(body);
      props.onCreated(run);
    } catch (error) {
      const field = error instanceof ApiRequestError ? error.field : undefined;
      const target = errorTarget(field, names);
      const message = errorMessage(error);
      if (target.kind === "parameter" && target.name !== "") setErrors({ [target.name]: message });
      else if (target.kind === "parameter" && fields === null) setErrors({ parameters: message });
      else if (target.kind === "option") setErrors({ [`option:${target.name}`]: message });
      else setFormError(message);
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <form class="param-form" onSubmit={submit} noValidate aria-label={`Run ${flow.name}`}>
      {formError !== undefined && (
        <div class="error-box" role="alert">
          {formError}
        </div>
      )}
      {fields === null ? (
        <div class="field" data-field="parameters">
          <label for="param-json" class="field-label">
            Parameters <span class="field-type">JSON object</span>
          </label>
          <textarea
            id="param-json"
            class="mono"
            rows={6}
            spellcheck={false}
            value={json}
            aria-invalid={errors.parameters !== undefined}
            onInput={(e) => setJson(e.currentTarget.value)}
          />
          <p class="field-hint">
            This flow publishes no parameter schema; its body's own defaults apply to what you leave
            out.
          </p>
          <FieldError id="param-json-error" message={errors.parameters} />
        </div>
      ) : fields.length === 0 ? (
        <p class="muted">This flow takes no parameters.</p>
      ) : (
        fields.map((field) => (
          <ParameterInput
            key={field.name}
            field={field}
            value={values[field.name] ?? initialValue(field)}
            error={errors[field.name]}
            onChange={(value) => setValues((v) => ({ ...v, [field.name]: value }))}
          />
        ))
      )}
      <details class="run-options">
        <summary>Run name and tags</summary>
        <div class="field">
          <label for="run-name" class="field-label">
            Run name <span class="field-type">optional</span>
          </label>
          <input
            id="run-name"
            name="run-name"
            placeholder="generated, e.g. crimson-otter"
            value={runName}
            onInput={(e) => setRunName(e.currentTarget.value)}
          />
          <FieldError id="run-name-error" message={errors["option:name"]} />
        </div>
        <div class="field">
          <label for="run-tags" class="field-label">
            Tags <span class="field-type">comma-separated</span>
          </label>
          <input
            id="run-tags"
            name="run-tags"
            placeholder="e.g. adhoc, nightly"
            value={tags}
            onInput={(e) => setTags(e.currentTarget.value)}
          />
          <FieldError id="run-tags-error" message={errors["option:tags"]} />
        </div>
      </details>
      <div class="buttons">
        <button type="submit" class="button primary" disabled={submitting}>
          {submitting ? "Starting…" : "Run"}
        </button>
      </div>
    </form>
  );
}
