import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";

/**
 * Network namespaces for deployment-shaped tests (root only): each namespace gets a veth pair whose
 * other end joins a bridge in the root namespace, an address in a private /24 and its loopback up.
 * The root namespace takes .254 on the bridge, so the test process reaches the namespaces' listeners
 * (not their loopbacks).
 */

/** Why namespaces cannot be made here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root (ip netns add, veth pairs)";
  if (!fs.existsSync("/usr/sbin/ip") && !fs.existsSync("/sbin/ip") && !fs.existsSync("/usr/bin/ip")) return "needs iproute2's ip";
  return null;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

export interface Namespaces {
  /** name -> { ns: namespace name, addr: its address } */
  ns: Record<string, { ns: string; addr: string }>;
  /** the root namespace's address on the bridge */
  hostAddr: string;
  teardown: () => void;
}

/** Make one namespace per name (at most 8), joined by a bridge; teardown removes all of it (safe to call twice). */
export function makeNamespaces(names: string[]): Namespaces {
  const tag = randomBytes(2).toString("hex");
  const subnet = `10.213.${randomBytes(1)[0] ?? 7}`;
  const bridge = `kb${tag}`;
  const made: { ns: string[]; links: string[] } = { ns: [], links: [] };
  const teardown = () => {
    for (const l of made.links.splice(0)) {
      try {
        ip("link", "del", l);
      } catch {}
    }
    for (const n of made.ns.splice(0)) {
      try {
        ip("netns", "del", n);
      } catch {}
    }
  };
  try {
    ip("link", "add", bridge, "type", "bridge");
    made.links.push(bridge);
    ip("addr", "add", `${subnet}.254/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    const ns: Namespaces["ns"] = {};
    names.forEach((name, i) => {
      const n = `keel-${tag}-${name}`;
      ip("netns", "add", n);
      made.ns.push(n);
      const host = `kv${tag}${i}`;
      const peer = `kp${tag}${i}`;
      ip("link", "add", host, "type", "veth", "peer", "name", peer);
      made.links.push(host); // deleting one end deletes the pair
      ip("link", "set", host, "master", bridge);
      ip("link", "set", host, "up");
      ip("link", "set", peer, "netns", n);
      ip("-n", n, "link", "set", "lo", "up");
      ip("-n", n, "addr", "add", `${subnet}.${i + 1}/24`, "dev", peer);
      ip("-n", n, "link", "set", peer, "up");
      ns[name] = { ns: n, addr: `${subnet}.${i + 1}` };
    });
    return { ns, hostAddr: `${subnet}.254`, teardown };
  } catch (err) {
    teardown();
    throw err;
  }
}

export interface NsProcess {
  child: ChildProcess;
  /** the first JSON line it printed that has `key` */
  ready: Record<string, unknown>;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Run `command` inside namespace `ns` (`ip netns exec` execs it: the child's pid is the command's) and
 * resolve once it prints a JSON line that has `key`. An `env` value undefined unsets it.
 */
export async function spawnInNs(
  ns: string,
  command: string[],
  env: Record<string, string | undefined>,
  key: string,
  timeoutMs = 120_000,
): Promise<NsProcess> {
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
  const child = spawn("ip", ["netns", "exec", ns, ...command], { env: full, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command.join(" ")} in ${ns} not ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          const v = JSON.parse(line) as Record<string, unknown>;
          if (key in v) {
            clearTimeout(timer);
            child.stdout?.off("data", check);
            return resolve(v);
          }
        } catch {
          // a partial line: wait for the rest
        }
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(" ")} in ${ns} exited with ${code} before it was ready:\n${out}`));
    });
  });
  return { child, ready, output: () => out, exited };
}

/** Try a TCP connection from inside `ns`: "connected", or the error's code (ECONNREFUSED, ETIMEDOUT...). */
export function tcpFrom(ns: string, host: string, port: number): string {
  const script = `const s=require("node:net").connect({host:${JSON.stringify(host)},port:${port},timeout:3000});
s.on("connect",()=>{console.log("connected");s.destroy()});
s.on("timeout",()=>{console.log("ETIMEDOUT");s.destroy()});
s.on("error",(e)=>console.log(e.code||String(e)));`;
  return execFileSync("ip", ["netns", "exec", ns, process.execPath, "-e", script], { timeout: 15_000 }).toString().trim();
}
