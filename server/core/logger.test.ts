import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";

describe("logger", () => {
  it("writes JSON lines and never writes a secret", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger("info", sink);
    log.info(
      {
        password: "hunter22",
        user: { password: "hunter23", token: "tok_1" },
        req: { headers: { authorization: "Bearer sk_secret", cookie: "keel_session=abc" } },
        db: { url: "postgres://u:pw@host/db" },
        kept: "visible",
      },
      "hello",
    );
    const line = lines.join("");
    const parsed = JSON.parse(line);
    expect(parsed.msg).toBe("hello");
    expect(parsed.kept).toBe("visible");
    for (const secret of ["hunter22", "hunter23", "tok_1", "sk_secret", "keel_session=abc", "u:pw"]) expect(line).not.toContain(secret);
  });
});
