import { describe, expect, it } from "vitest";
import { decodeUtf8Strict, findJsonProblem, parseJsonStrict } from "./json-guard";

const nested = (depth: number) => {
  let s = "1";
  for (let i = 0; i < depth; i++) s = `[${s}]`;
  return s;
};

describe("json guard", () => {
  it("accepts depth up to the limit and refuses one level more, naming a short path", () => {
    expect(findJsonProblem(JSON.parse(nested(16)), { maxDepth: 16 })).toBeNull();
    const p = findJsonProblem(JSON.parse(nested(17)), { maxDepth: 16 });
    expect(p?.message).toContain("deeper than 16");
    expect(p?.path).toBe("[0][0][0][0][0][0][0][0]…");
  });
  it("walks 5,000 levels without overflowing the stack", () => {
    expect(findJsonProblem(JSON.parse(nested(5000)), { maxDepth: 128 })?.message).toContain("deeper than 128");
  });
  it("names NUL, lone surrogates (values and keys) and out-of-range numbers by path", () => {
    expect(findJsonProblem(JSON.parse('{"a":{"b":["x","y\\u0000"]}}'))?.path).toBe("a.b[1]");
    expect(findJsonProblem(JSON.parse('{"a":"\\ud800"}'))?.message).toContain("surrogate");
    expect(findJsonProblem(JSON.parse('{"ok":"\\ud83d\\ude00"}'))).toBeNull();
    expect(findJsonProblem(JSON.parse('{"x y":{"k\\u0000":1}}'))?.path).toBe('["x y"]["k\\u0000"]');
    expect(findJsonProblem(JSON.parse('{"n":[1,-1e309]}'))).toEqual({ path: "n[1]", message: expect.stringContaining("out of range") });
  });
  it("names the same paths when a limit too deep to recurse is walked iteratively", () => {
    expect(findJsonProblem(JSON.parse(nested(2000)), { maxDepth: 2000 })).toBeNull();
    expect(findJsonProblem(JSON.parse(nested(2001)), { maxDepth: 2000 })?.path).toBe("[0][0][0][0][0][0][0][0]…");
    for (const text of ['{"a":{"b":["x","y\\u0000"]}}', '{"x y":{"k\\u0000":1}}', '{"n":[1,-1e309]}', '{"a":[{"b":"\\ud800"}]}'])
      expect(findJsonProblem(JSON.parse(text), { maxDepth: 5000 })).toEqual(findJsonProblem(JSON.parse(text)));
  });
  it("parseJsonStrict answers 400s naming the field", () => {
    expect(() => parseJsonStrict('{"a":1e309}')).toThrow(/^a: is a number out of range/);
    expect(() => parseJsonStrict("{")).toThrow(/Malformed JSON body/);
  });
  it("refuses invalid UTF-8 instead of replacing it", () => {
    expect(decodeUtf8Strict(new Uint8Array([0x68, 0xc3, 0xa9]))).toBe("hé");
    expect(() => decodeUtf8Strict(new Uint8Array([0x68, 0xff, 0x69]), "file")).toThrow(/file: is not valid UTF-8/);
  });
});
