import { describe, expect, it } from "vitest";
import { checkArtifactPath, detectFormat, taskFromConfig } from "./artifact-paths";

describe("checkArtifactPath", () => {
  it("accepts nested relative paths", () => {
    expect(checkArtifactPath("onnx/model_quantized.onnx")).toBeNull();
    expect(checkArtifactPath("tokenizer.json")).toBeNull();
  });
  it.each([
    ["", "is empty"],
    ["/etc/passwd", "must be relative"],
    ["../x", "has an empty, . or .. segment"],
    ["a/./b", "has an empty, . or .. segment"],
    ["a//b", "has an empty, . or .. segment"],
    ["a\\b", "contains a backslash or control character"],
    ["a\u0000b", "contains a backslash or control character"],
    ["x".repeat(501), "is longer than 500 characters"],
  ])("refuses %j", (p, why) => expect(checkArtifactPath(p)).toBe(why));
});

describe("detectFormat", () => {
  it("knows a transformers.js folder, one ONNX graph and anything else", () => {
    expect(detectFormat(["config.json", "tokenizer.json", "onnx/model.onnx"])).toBe("transformers.js");
    expect(detectFormat(["head.onnx"])).toBe("onnx");
    expect(detectFormat(["head.onnx", "keel-head.json"])).toBe("keel-head");
    expect(detectFormat(["config.json", "weights.bin"])).toBe("files");
  });
});

describe("taskFromConfig", () => {
  it("maps architectures to pipeline tasks", () => {
    expect(taskFromConfig({ architectures: ["GPT2LMHeadModel"] })).toBe("text-generation");
    expect(taskFromConfig({ architectures: ["BertForSequenceClassification"] })).toBe("text-classification");
    expect(taskFromConfig({ architectures: ["BertModel"] })).toBe("feature-extraction");
    expect(taskFromConfig(null)).toBeNull();
  });
});
