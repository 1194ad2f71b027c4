import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");

export interface Server {
  child: ChildProcess;
  url: string;
  key: string;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = http.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `keel start` on a free port over `dataDir` (or DATABASE_URL); resolves at the first 200 on /api/health. */
export async function startKeel(dataDir: string, env: Record<string, string> = {}): Promise<Server & { ms: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, "bin/keel.mjs"), "start", "--json"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", KEEL_DATA_DIR: dataDir, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.on("data", (c) => {
    out += c;
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`keel start exited: ${out}`);
    try {
      if ((await fetch(`${url}/api/health`)).status === 200) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 25));
  }
  const ms = performance.now() - t0;
  while (!out.includes('{"url"')) await new Promise((r) => setTimeout(r, 25));
  const info = JSON.parse(out.split("\n").find((l) => l.startsWith('{"url"')) ?? "{}");
  return {
    child,
    url,
    key: info.key,
    ms,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await done;
    },
  };
}
