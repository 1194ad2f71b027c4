import { describe, expect, it } from "vitest";
import { answerLogprob } from "./service-route";

describe("answerLogprob", () => {
  it("reads a local model's header first, else OpenAI's token logprobs", () => {
    expect(answerLogprob({ body: {}, headers: { "x-keel-mean-logprob": "-0.25" } })).toBe(-0.25);
    const body = {
      choices: [
        {
          logprobs: {
            content: [
              { token: "a", logprob: -1 },
              { token: "b", logprob: -3 },
            ],
          },
        },
      ],
    };
    expect(answerLogprob({ body })).toBe(-2);
    expect(answerLogprob({ body: { choices: [{ logprobs: null }] } })).toBeNull();
  });
});
