/**
 * Run names: Prefect's two-word names ("crimson-otter") and name templates such as
 * `"{name}-on-{date}"` filled from parameters or arguments.
 *
 * @module
 */

const ADJECTIVES = [
  "amber",
  "ancient",
  "bold",
  "brave",
  "bright",
  "calm",
  "clever",
  "cobalt",
  "crimson",
  "daring",
  "dapper",
  "eager",
  "electric",
  "emerald",
  "fancy",
  "fearless",
  "gentle",
  "golden",
  "graceful",
  "hidden",
  "humble",
  "icy",
  "jolly",
  "keen",
  "lively",
  "lucky",
  "magnetic",
  "mellow",
  "misty",
  "nimble",
  "noble",
  "olive",
  "patient",
  "proud",
  "quick",
  "quiet",
  "rapid",
  "rustic",
  "sapphire",
  "scarlet",
  "silver",
  "smart",
  "solar",
  "steady",
  "swift",
  "tidy",
  "tireless",
  "vivid",
  "witty",
  "zealous",
] as const;

const ANIMALS = [
  "albatross",
  "antelope",
  "badger",
  "beaver",
  "bison",
  "caracal",
  "cheetah",
  "condor",
  "coyote",
  "crane",
  "dingo",
  "dolphin",
  "eagle",
  "falcon",
  "ferret",
  "gazelle",
  "gecko",
  "heron",
  "ibis",
  "jackal",
  "jaguar",
  "kestrel",
  "koala",
  "lemur",
  "lynx",
  "marmot",
  "mongoose",
  "narwhal",
  "ocelot",
  "okapi",
  "orca",
  "otter",
  "panda",
  "pelican",
  "puffin",
  "quokka",
  "raven",
  "salamander",
  "seal",
  "sparrow",
  "stork",
  "tapir",
  "tern",
  "toucan",
  "urchin",
  "viper",
  "walrus",
  "wombat",
  "yak",
  "zebra",
] as const;

/**
 * A two-word run name drawn from `random`, as Prefect names runs.
 *
 * @example
 * ```ts
 * generateRunName(seededRandom(7)); // e.g. "swift-otter"
 * ```
 */
export function generateRunName(random: () => number): string {
  const adjective = ADJECTIVES[Math.floor(random() * ADJECTIVES.length)] ?? "quick";
  const animal = ANIMALS[Math.floor(random() * ANIMALS.length)] ?? "otter";
  return `${adjective}-${animal}`;
}

/**
 * Fills `{path}` placeholders in a template from `values`. A path is dotted (`{source.url}`)
 * or an index (`{0}`). Dates are written as `YYYY-MM-DD` when they fall on midnight UTC, else
 * as ISO strings.
 *
 * @example
 * ```ts
 * formatTemplate("{name}-on-{date}", { name: "report", date: "2026-01-01" }); // "report-on-2026-01-01"
 * ```
 * @throws {RangeError} naming the placeholder when `values` has no such field.
 */
export function formatTemplate(template: string, values: unknown): string {
  return template.replace(/\{([^{}]+)\}/g, (_match, path: string) => {
    let current: unknown = values;
    for (const part of path.trim().split(".")) {
      if (current === null || current === undefined || typeof current !== "object") {
        current = undefined;
        break;
      }
      current = (current as Record<string, unknown>)[part];
    }
    if (current === undefined) {
      throw new RangeError(
        `Cannot fill {${path}} in the name template ${JSON.stringify(template)}: no such value`,
      );
    }
    if (current instanceof Date) {
      const iso = current.toISOString();
      return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
    }
    return typeof current === "object" ? JSON.stringify(current) : String(current);
  });
}
