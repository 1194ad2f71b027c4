import { describe, expect, it } from "vitest";
import { parseFilter, parseOrderBy } from "./mlflow-search";

const fails = (fn: () => unknown, message: RegExp, field = "filter") => {
  try {
    fn();
  } catch (err) {
    expect(err).toMatchObject({ code: "BAD_REQUEST", field });
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error("expected a BAD_REQUEST");
};

describe("parseFilter", () => {
  it("reads MLflow clauses joined by AND (any case)", () => {
    expect(
      parseFilter("metrics.loss < 0.5 and params.lr = '0.01' AND tags.`team name` != \"nlp\" AND attributes.status = 'FINISHED'"),
    ).toEqual([
      { kind: "metric", key: "loss", op: "<", value: 0.5 },
      { kind: "param", key: "lr", op: "=", value: "0.01" },
      { kind: "tag", key: "team name", op: "!=", value: "nlp" },
      { kind: "attribute", key: "status", op: "=", value: "FINISHED" },
    ]);
  });

  it("takes keys with slashes, dots and dashes, quoted keys, negative and exponent numbers", () => {
    expect(parseFilter("metrics.train/loss>=-1.5e-3")).toEqual([{ kind: "metric", key: "train/loss", op: ">=", value: -0.0015 }]);
    expect(parseFilter('metric."val.acc" = 1')).toEqual([{ kind: "metric", key: "val.acc", op: "=", value: 1 }]);
    expect(parseFilter("params.model-name LIKE 'bert%'")).toEqual([{ kind: "param", key: "model-name", op: "LIKE", value: "bert%" }]);
    expect(parseFilter("run_name = 'it''s'")).toEqual([{ kind: "attribute", key: "run_name", op: "=", value: "it's" }]);
    expect(parseFilter("attributes.status IN ('FINISHED', 'FAILED')")).toEqual([
      { kind: "attribute", key: "status", op: "IN", value: ["FINISHED", "FAILED"] },
    ]);
    expect(parseFilter("attributes.start_time > 1700000000000")).toEqual([
      { kind: "attribute", key: "start_time", op: ">", value: 1700000000000 },
    ]);
    expect(parseFilter("   ")).toEqual([]);
  });

  it("names what is wrong", () => {
    fails(() => parseFilter("metrics.loss <"), /invalid filter "metrics.loss <": expected a value after "metrics.loss <"/);
    fails(() => parseFilter("metrics.loss < 'x'"), /metrics.loss compares with a number/);
    fails(() => parseFilter("params.lr > '1'"), /params.lr takes =, !=, LIKE or ILIKE/);
    fails(() => parseFilter("params.lr = 1"), /compares with a quoted string/);
    fails(() => parseFilter("a = 'b' OR c = 'd'"), /unknown attribute "a"/);
    fails(() => parseFilter("params.a = 'b' OR params.c = 'd'"), /OR is not supported/);
    fails(() => parseFilter("params.a = 'b"), /unterminated ' quote/);
    fails(() => parseFilter("attributes.status = 'DONE'"), /status is one of RUNNING/);
    fails(() => parseFilter("params.a IN ('x')"), /IN applies to attributes.status and attributes.run_id only/);
    fails(() => parseFilter("metrics.loss ~ 1"), /unexpected "~"/);
  });
});

describe("parseOrderBy", () => {
  it("reads one key with an optional direction (ASC by default)", () => {
    expect(parseOrderBy("metrics.loss")).toEqual({ kind: "metric", key: "loss", desc: false });
    expect(parseOrderBy("params.lr DESC")).toEqual({ kind: "param", key: "lr", desc: true });
    expect(parseOrderBy("attributes.start_time desc")).toEqual({ kind: "attribute", key: "start_time", desc: true });
    expect(parseOrderBy("run_name")).toEqual({ kind: "attribute", key: "run_name", desc: false });
    expect(parseOrderBy("")).toBeNull();
  });
  it("refuses anything else", () => {
    fails(() => parseOrderBy("metrics.loss UP"), /expected ASC or DESC/, "order_by");
    fails(() => parseOrderBy("metrics.loss ASC, params.lr"), /unexpected|one key/, "order_by");
    fails(() => parseOrderBy("attributes.user_id"), /unknown attribute/, "order_by");
  });
});
