import { spawn } from "node:child_process";
import path from "node:path";

const BIN = path.resolve(import.meta.dirname, "../../bin/keel.mjs");

export interface CliResult {
  code: number | null;
  /** the last line of stdout read as JSON (`--json`); null when it is text */
  out: Record<string, unknown> | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** Runs the `keel` CLI (bin/keel.mjs) as a child process, with `env` over this process's environment. */
export function runKeel(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      let out: Record<string, unknown> | null = null;
      try {
        out = line ? (JSON.parse(line) as Record<string, unknown>) : null;
      } catch {
        // human text
      }
      resolve({ code, out, stdout, stderr, pid: child.pid as number });
    });
  });
}
