import { spawn } from "node:child_process";
import { env } from "../../env";

/** What KEEL_PYTHON offers the Python trainers: torch's version and the CUDA it can use. */
export interface PythonRuntime {
  torch: string;
  /** torch.version.cuda when torch.cuda.is_available(), else null */
  cuda: string | null;
}

const PROBE =
  "import json, torch, transformers\nok = torch.cuda.is_available()\nprint(json.dumps({'torch': torch.__version__, 'cuda': torch.version.cuda if ok else None}))";

let probed: Promise<PythonRuntime | null> | null = null;
/** KEEL_PYTHON's torch and CUDA, or null where it cannot import torch and transformers; asked once, without blocking. */
export function pythonRuntime(): Promise<PythonRuntime | null> {
  probed ??= new Promise((resolve) => {
    const child = spawn(env.KEEL_PYTHON, ["-c", PROBE], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", () => resolve(null));
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        resolve(code === 0 ? (JSON.parse(out.trim().split("\n").at(-1) ?? "") as PythonRuntime) : null);
      } catch {
        resolve(null);
      }
    });
  });
  return probed;
}
