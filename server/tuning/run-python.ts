import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { env } from "../../env";
import type { Example } from "./data";
import type { Trainer } from "./trainer";

const TRAINERS_DIR = path.resolve(import.meta.dirname, "../../workers/trainers");

/**
 * The Python SFT trainer (`workers/trainers/sft.py`, method lora or full) as a subprocess: the job goes in as a JSON config
 * file, progress comes back as JSON lines on stdout (`log`, `metric`, `result`, `error`); stderr is
 * kept as log lines. Cancel and the wall-time limit stop the process (SIGTERM, then SIGKILL).
 */
export function pythonTrainer(method: "lora" | "full"): Trainer {
  return async (run) => {
    const script = path.join(TRAINERS_DIR, "sft.py");
    if (!fs.existsSync(script)) throw new Error(`trainer script ${script} is missing`);
    const train = path.join(run.workDir, "train.jsonl");
    // a chat example trains on its messages plus the assistant's answer; a text one on prompt and completion
    const row = (e: Example) =>
      `${JSON.stringify(
        e.messages ? { messages: [...e.messages, { role: "assistant", content: e.label }] } : { prompt: e.text, completion: ` ${e.label}` },
      )}\n`;
    await fsp.writeFile(
      train,
      run.examples
        .filter((e) => e.split === "train")
        .map(row)
        .join(""),
    );
    const outDir = path.join(run.workDir, "out");
    const config = path.join(run.workDir, "config.json");
    await fsp.writeFile(
      config,
      JSON.stringify({
        base_model_dir: run.baseDir,
        dataset_path: train,
        output_dir: outDir,
        method,
        seed: run.job.seed,
        device: run.job.resources.kind === "gpu" ? "cuda" : "cpu",
        ...snake(run.hyperparameters),
      }),
    );
    const child = spawn(env.KEEL_PYTHON, ["-u", script, config], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stop = () => {
      child.kill("SIGTERM");
      setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 5000).unref();
    };
    run.signal.addEventListener("abort", stop, { once: true });
    let result: { files?: string[]; metrics?: Record<string, number>; verify?: unknown[] } | null = null;
    let error: string | null = null;
    const out = readline.createInterface({ input: child.stdout });
    out.on("line", (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return run.log(line, "stdout");
      }
      if (msg.type === "log") run.log(String(msg.message ?? ""), "stdout");
      else if (msg.type === "metric") {
        const { type: _t, step, ...values } = msg;
        run.metric(
          Number(step ?? 0),
          Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === "number")) as Record<string, number>,
        );
        if (typeof msg.progress === "number") run.progress(msg.progress);
      } else if (msg.type === "result") result = msg as typeof result;
      else if (msg.type === "error") error = String(msg.message ?? "trainer error");
      else run.log(line, "stdout");
    });
    readline.createInterface({ input: child.stderr }).on("line", (line) => run.log(line, "stderr"));
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    run.signal.removeEventListener("abort", stop);
    if (run.signal.aborted) throw run.signal.reason;
    if (code !== 0 || error || !result) throw new Error(error ?? `trainer exited with code ${code}${result ? "" : " without a result"}`);
    const metrics = Object.fromEntries(
      Object.entries((result as { metrics?: Record<string, unknown> }).metrics ?? {}).filter(([, v]) => typeof v === "number"),
    ) as Record<string, number>;
    // the trainer's own greedy tokens on a few prompts, checked against onnxruntime: kept with the version,
    // so serving the export can be compared with what training produced
    const verify = (result as { verify?: unknown[] }).verify;
    return {
      dir: outDir,
      metrics,
      task: "text-generation",
      format: "transformers.js",
      ...(Array.isArray(verify) ? { metadata: { exportCheck: verify } } : {}),
    };
  };
}

const snake = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
