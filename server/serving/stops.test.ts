import { describe, expect, it } from "vitest";
import { findStop, partialStopLength, StopStream } from "./stops";

describe("stop sequences", () => {
  it("finds the earliest stop", () => {
    expect(findStop("abc\nuser: x END", ["END", "\nuser:"])).toBe(3);
    expect(findStop("abc", ["x", ""])).toBe(-1);
  });

  it("measures a tail that may grow into a stop", () => {
    expect(partialStopLength("hello\nus", ["\nuser:"])).toBe(3);
    expect(partialStopLength("hello", ["\nuser:"])).toBe(0);
    expect(partialStopLength("aaEN", ["END", "ENOUGH"])).toBe(2);
  });

  it("streams deltas that concatenate to the cut text, never showing the stop", () => {
    const deltas: string[] = [];
    const s = new StopStream(["\n\n"], (d) => deltas.push(d));
    const steps = ["Hel", "Hello", "Hello\n", "Hello\nwor", "Hello\nworld\n", "Hello\nworld\n\nmore"];
    let stopped = false;
    for (const t of steps) stopped = s.update(t);
    expect(stopped).toBe(true);
    expect(s.finish()).toBe("Hello\nworld");
    expect(deltas.join("")).toBe("Hello\nworld");
    expect(deltas.some((d) => d.includes("\n\n"))).toBe(false);
  });

  it("holds back a half-decoded character until it completes", () => {
    const deltas: string[] = [];
    const s = new StopStream([], (d) => deltas.push(d));
    s.update("caf\ufffd");
    expect(deltas.join("")).toBe("caf");
    s.update("café");
    expect(s.finish()).toBe("café");
    expect(deltas.join("")).toBe("café");
  });

  it("emits a held-back prefix when generation ends without the stop", () => {
    const deltas: string[] = [];
    const s = new StopStream(["END"], (d) => deltas.push(d));
    s.update("the EN");
    expect(deltas.join("")).toBe("the ");
    expect(s.finish()).toBe("the EN");
    expect(deltas.join("")).toBe("the EN");
  });
});
