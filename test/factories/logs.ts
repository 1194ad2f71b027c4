import { randomBytes } from "node:crypto";

const uniq = () => randomBytes(5).toString("hex");

/** One traced chat call: a trace, a generation under it, optionally a rating. */
export function chatEvents(
  opts: { traceId?: string; question?: string; answer?: string; model?: string; userId?: string; tags?: string[] } = {},
) {
  const traceId = opts.traceId ?? `tr-${uniq()}`;
  const start = new Date(Date.now() - 2000);
  const end = new Date(start.getTime() + 1500);
  return {
    traceId,
    events: [
      {
        type: "trace",
        id: traceId,
        body: {
          name: "chat",
          timestamp: start.toISOString(),
          userId: opts.userId ?? "end-user-1",
          sessionId: "session-1",
          tags: opts.tags ?? ["prod"],
          release: "v1.2.3",
          input: [{ role: "user", content: opts.question ?? "What is the capital of France?" }],
          output: { role: "assistant", content: opts.answer ?? "Paris is the capital of France." },
        },
      },
      {
        type: "observation",
        id: `${traceId}-gen`,
        body: {
          traceId,
          type: "generation",
          name: "llm",
          model: opts.model ?? "gpt-4o-mini",
          provider: "openai",
          startTime: start.toISOString(),
          completionStartTime: new Date(start.getTime() + 300).toISOString(),
          endTime: end.toISOString(),
          usage: { input: 1000, output: 500 },
          input: [{ role: "user", content: opts.question ?? "What is the capital of France?" }],
          output: opts.answer ?? "Paris is the capital of France.",
        },
      },
    ],
  };
}
