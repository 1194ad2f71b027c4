import { describe, expect, it } from "vitest";
import { mlflowJsonText, quoteNonFinite } from "./mlflow-json";

describe("MLflow's non-finite doubles", () => {
  it("quotes Python's bare NaN / Infinity / -Infinity tokens outside strings only", () => {
    expect(quoteNonFinite('{"a": NaN, "b": [Infinity,-Infinity], "c": -1}')).toBe('{"a": "NaN", "b": ["Infinity","-Infinity"], "c": -1}');
    // inside strings (escaped quotes included) and as parts of longer words they stay as they are
    const text = '{"k": "NaN \\" Infinity", "NaN": 1, "x": NaNa, "y": xInfinity}';
    expect(quoteNonFinite(text)).toBe(text);
    expect(quoteNonFinite('{"a":1}')).toBe('{"a":1}');
  });

  it("writes them as MLflow's server does", () => {
    expect(mlflowJsonText({ v: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5] })).toBe(
      '{"v":["NaN","Infinity","-Infinity",0.5]}',
    );
  });
});
