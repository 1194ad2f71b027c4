import { describe, expect, it } from "vitest";
import { double, firstOrderBy, int64, keyValues, metricPoints, runIdOf, toMlflowRun, viewType } from "./mlflow-translate";
import type { Run } from "./runs";

const run: Run = {
  id: "11111111-1111-4111-8111-111111111111",
  experimentId: "22222222-2222-4222-8222-222222222222",
  name: "swift-otter-1",
  status: "RUNNING",
  startTime: 1000,
  endTime: null,
  lifecycleStage: "active",
  params: { lr: "0.1" },
  tags: { "mlflow.user": "alice" },
  userName: "alice",
  createdBy: null,
  createdAt: new Date(0),
};

describe("MLflow shapes", () => {
  it("writes a run as MLflow does: run_uuid, artifact_uri, no end_time while running, the name as a tag", () => {
    const out = toMlflowRun(run, [{ key: "loss", value: 0.5, step: 3, timestamp: 2000 }]);
    expect(out).toEqual({
      info: {
        run_id: run.id,
        run_uuid: run.id,
        run_name: "swift-otter-1",
        experiment_id: run.experimentId,
        user_id: "alice",
        status: "RUNNING",
        start_time: 1000,
        artifact_uri: `mlflow-artifacts:/${run.experimentId}/${run.id}/artifacts`,
        lifecycle_stage: "active",
      },
      data: {
        metrics: [{ key: "loss", value: 0.5, timestamp: 2000, step: 3 }],
        params: [{ key: "lr", value: "0.1" }],
        tags: [
          { key: "mlflow.user", value: "alice" },
          { key: "mlflow.runName", value: "swift-otter-1" },
        ],
      },
      inputs: {},
    });
    expect(toMlflowRun({ ...run, endTime: 5 }, []).info.end_time).toBe(5);
  });

  it("reads protobuf JSON and query-string values", () => {
    expect(int64({ t: "1716200000123" }, "t")).toBe(1716200000123);
    expect(int64({ t: 7 }, "t")).toBe(7);
    expect(() => int64({ t: "1.5" }, "t")).toThrow(/expected an integer/);
    expect(double("NaN", "value")).toBeNaN();
    expect(double("Infinity", "value")).toBe(Number.POSITIVE_INFINITY);
    expect(double("-Infinity", "value")).toBe(Number.NEGATIVE_INFINITY);
    expect(double("0.25", "value")).toBe(0.25);
    expect(double(-3e-7, "value")).toBe(-3e-7);
    // never a silent NaN: a missing or unreadable value is a 400 naming the field
    expect(() => double(null, "metrics[0].value")).toThrow(/Missing value for required parameter 'metrics\[0\]\.value'/);
    expect(() => double("nan", "value")).toThrow(/Invalid value "nan" for parameter 'value'/);
    expect(() => double("1,5", "value")).toThrow(/expected a number/);
    expect(runIdOf({ run_uuid: "abc" })).toBe("abc");
    expect(() => runIdOf({})).toThrow(/Missing value for required parameter 'run_id'/);
    expect(viewType("ALL")).toBe("all");
    expect(viewType(2)).toBe("deleted");
    expect(() => viewType("SOME")).toThrow(/view type/);
    expect(firstOrderBy(["metrics.loss ASC", "params.lr"])).toBe("metrics.loss ASC");
    expect(firstOrderBy("params.lr")).toBe("params.lr");
  });

  it("turns key/value lists into records, refusing conflicting params", () => {
    expect(
      keyValues(
        [
          { key: "a", value: "1" },
          { key: "a", value: "1" },
          { key: "b", value: 2 },
        ],
        "params",
        "refuse",
      ),
    ).toEqual({ a: "1", b: "2" });
    expect(() =>
      keyValues(
        [
          { key: "a", value: "1" },
          { key: "a", value: "2" },
        ],
        "params",
        "refuse",
      ),
    ).toThrow(/Duplicate params key 'a'/);
    expect(
      keyValues(
        [
          { key: "a", value: "1" },
          { key: "a", value: "2" },
        ],
        "tags",
        "last",
      ),
    ).toEqual({ a: "2" });
    expect(() => keyValues([{ value: "1" }], "tags", "last")).toThrow(/tags\[0\]\.key/);
    expect(metricPoints([{ key: "loss", value: "NaN", timestamp: "5", step: 1 }])).toEqual([
      { key: "loss", value: Number.NaN, timestamp: 5, step: 1 },
    ]);
    // MLflow 3 links a metric to a logged model (and a dataset)
    expect(metricPoints([{ key: "acc", value: 0.5, model_id: "m-1", dataset_name: "eval" }])).toEqual([
      { key: "acc", value: 0.5, timestamp: undefined, step: undefined, modelId: "m-1", datasetName: "eval" },
    ]);
    expect(() => metricPoints([{ key: "acc", value: "high" }])).toThrow(/metrics\[0\]\.value/);
  });
});
