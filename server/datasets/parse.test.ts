import { describe, expect, it } from "vitest";
import { DomainError } from "../core/errors";
import { contentHash, csvRecords, decodeUtf8, formatRow, parseCsv, parseDataset, parseJsonl } from "./parse";

const enc = (s: string) => new TextEncoder().encode(s);
const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("BAD_REQUEST");
    return (err as DomainError).message;
  }
  throw new Error("expected an error");
};

describe("parseJsonl", () => {
  it("reads objects, references as array or string (or `reference`), skipping blank lines", () => {
    const p = parseJsonl(
      '{"input":"a","references":["x","y"]}\n\n{"input":{"q":1},"references":"z","metadata":{"k":1}}\r\n{"input":"b","reference":"w","prediction":"p"}\n',
    );
    expect(p.rows).toEqual([
      { input: "a", references: ["x", "y"], prediction: null, metadata: null },
      { input: { q: 1 }, references: ["z"], prediction: null, metadata: { k: 1 } },
      { input: "b", references: ["w"], prediction: "p", metadata: null },
    ]);
    expect(p.columns).toEqual(["input", "references", "prediction", "metadata"]);
  });
  it("names the line and column of invalid JSON", () => {
    expect(message(() => parseJsonl('{"input":"a","references":"b"}\n{"input": x}\n'))).toMatch(/^line 2, column \d+: invalid JSON/);
  });
  it("refuses rows without input or references, non-objects, bad metadata, and empty files", () => {
    expect(message(() => parseJsonl('{"references":"b"}'))).toMatch(/line 1, column "input": the input column is missing/);
    expect(message(() => parseJsonl('{"input":"a"}'))).toMatch(/line 1, column "references"/);
    expect(message(() => parseJsonl("[1,2]"))).toMatch(/line 1, column 1: expected a JSON object/);
    expect(message(() => parseJsonl('{"input":"a","references":[1]}'))).toMatch(/array of strings/);
    expect(message(() => parseJsonl('{"input":"a","references":"b","metadata":[]}'))).toMatch(/metadata must be a JSON object/);
    expect(message(() => parseJsonl("\n \n"))).toBe("file has no rows");
  });
});

describe("parseCsv", () => {
  it("handles RFC 4180 quoting: commas, doubled quotes and newlines inside fields, CRLF", () => {
    expect(csvRecords('a,b\r\n"x, y","say ""hi""\nthere"\r\n').map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"\nthere'],
    ]);
  });
  it("reads references as a JSON array or a single string, and JSON metadata", () => {
    const p = parseCsv('input,references,metadata\n"Hello, world","[""a"",""b""]","{""k"":1}"\nsingle,just one,\n');
    expect(p.rows).toEqual([
      { input: "Hello, world", references: ["a", "b"], prediction: null, metadata: { k: 1 } },
      { input: "single", references: ["just one"], prediction: null, metadata: null },
    ]);
  });
  it("accepts a `reference` header", () => {
    expect(parseCsv("input,reference\nq,r\n").rows[0]?.references).toEqual(["r"]);
  });
  it("names line and column of a bad quote", () => {
    expect(message(() => parseCsv('input,references\nab"c,d\n'))).toBe(
      "line 2, column 3: a quote inside an unquoted field (quote the whole field)",
    );
    expect(message(() => parseCsv('input,references\n"ab"c,d\n'))).toMatch(/^line 2, column 5: unexpected character after a closing quote/);
    expect(message(() => parseCsv('input,references\nq,"never closed\n'))).toMatch(/^line 2, column 3: a quoted field is never closed/);
  });
  it("refuses a missing column, a short record, bad metadata, an empty file", () => {
    expect(message(() => parseCsv("input,prediction\na,b\n"))).toBe("line 1: the header has no references column");
    expect(message(() => parseCsv("references\na\n"))).toBe("line 1: the header has no input column");
    expect(message(() => parseCsv("input,references\na\n"))).toMatch(/^line 2: 1 fields where the header has 2/);
    expect(message(() => parseCsv("input,references,metadata\na,b,{oops\n"))).toMatch(/^line 2, column 3 \(metadata\)/);
    expect(message(() => parseCsv(""))).toBe("file has no rows");
    expect(message(() => parseCsv("input,references\n"))).toBe("file has no rows");
  });
});

describe("decodeUtf8", () => {
  it("names the line of invalid UTF-8 and drops a BOM", () => {
    const bytes = new Uint8Array([...enc('{"input":"a","references":"b"}\n{"input":"'), 0xff, 0xfe, ...enc('"}\n')]);
    expect(message(() => decodeUtf8(bytes))).toBe("file is not valid UTF-8 (line 2)");
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, ...enc("x")]))).toBe("x");
  });
});

describe("round trip", () => {
  it("formats rows back to JSONL and CSV with the same content hash", () => {
    const p = parseJsonl(
      '{"input":"a, \\"b\\"\\nc","references":["x","y"],"metadata":{"z":1}}\n{"input":{"q":[1]},"references":"r","prediction":"p"}\n',
    );
    for (const format of ["jsonl", "csv"] as const) {
      const text = (format === "csv" ? "input,references,prediction,metadata\r\n" : "") + p.rows.map((r) => formatRow(r, format)).join("");
      expect(contentHash(parseDataset(enc(text), format).rows)).toBe(contentHash(p.rows));
    }
  });
  it("hashes independently of key order", () => {
    expect(contentHash(parseJsonl('{"input":{"a":1,"b":2},"references":"r"}').rows)).toBe(
      contentHash(parseJsonl('{"references":"r","input":{"b":2,"a":1}}').rows),
    );
  });
});
