import { z } from "zod";
import { claimIn, heartbeatIn, registerWorkerIn } from "../tuning";
import { type HandlerEntry, handlerRoute, type WorkerContext } from "./entry";
import {
  failIn,
  handleBaseFile,
  handleBaseFiles,
  handleClaim,
  handleExamples,
  handleFail,
  handleHeartbeat,
  handleRegister,
  handleReport,
  handleResult,
  handleStart,
  reportIn,
} from "./workers";

/**
 * The remote worker protocol: `keel worker --server URL --token wk_...` talks to Keel through these
 * only (no database, no shared disk). Every route takes a worker token alone (the auth step resolves
 * it; 401 when missing, unknown or revoked); a worker is one its token registered, a job one it holds
 * on the attempt the path names.
 */
const W = "/api/v1/workers/:workerId";
const L = `${W}/jobs/:jobId/attempts/:attempt`;

type Route = {
  method: "GET" | "POST";
  path: string;
  summary: string;
  inputs?: z.ZodType[];
  request?: "json" | "none" | "multipart";
  response?: "json" | "bytes" | "ndjson" | "empty";
  status?: number;
  handle: (req: Request, c: WorkerContext) => Promise<Response>;
};
const route = (r: Route): HandlerEntry =>
  handlerRoute({
    tag: "workers",
    auth: ["workerToken"],
    role: null,
    errors: "keel",
    request: r.request ?? (r.method === "GET" ? "none" : "json"),
    response: r.response ?? "json",
    ...r,
  });

export const WORKER_ROUTES: HandlerEntry[] = [
  route({
    method: "POST",
    path: "/api/v1/workers/register",
    summary: "Register a remote worker and what it offers (CPUs, memory, GPUs, CUDA, trainers)",
    inputs: [registerWorkerIn],
    status: 201,
    handle: handleRegister,
  }),
  route({
    method: "POST",
    path: `${W}/claim`,
    summary: "Wait up to waitS (at most 25) seconds for a job of the token's pool this worker can run: 200 with its lease, 204 none",
    inputs: [claimIn],
    handle: handleClaim,
  }),
  route({
    method: "POST",
    path: `${W}/heartbeat`,
    summary: "Alive (keeps its lease); the answer says whether the job it runs was cancelled or handed on",
    inputs: [heartbeatIn],
    handle: handleHeartbeat,
  }),
  route({ method: "POST", path: `${L}/start`, summary: "Start a claimed job: the job, its run and its base version", handle: handleStart }),
  route({
    method: "GET",
    path: `${L}/base`,
    summary: "The base version's files (path, sha256, size)",
    handle: handleBaseFiles,
  }),
  route({
    method: "GET",
    path: `${L}/base/*path`,
    summary: "One file of the base version, with x-content-sha256; Range gives part of it (206)",
    response: "bytes",
    handle: handleBaseFile,
  }),
  route({
    method: "GET",
    path: `${L}/examples`,
    summary: "The job's examples as JSON lines, with x-content-sha256; Range gives part of them (206)",
    response: "ndjson",
    handle: handleExamples,
  }),
  route({
    method: "POST",
    path: `${L}/report`,
    summary: "A batch of log lines, metric points and progress (409 once the lease went to another worker)",
    inputs: [reportIn],
    handle: handleReport,
  }),
  route({
    method: "POST",
    path: `${L}/result`,
    summary:
      "The result as a new version: multipart file parts with one sha256 part each and a meta part (400 on a mismatch, 409 when the lease is gone; sent again: the same version, 200)",
    inputs: [z.object({ meta: z.object({}).passthrough() })],
    request: "multipart",
    status: 201,
    handle: handleResult,
  }),
  route({
    method: "POST",
    path: `${L}/fail`,
    summary: "The job failed, was cancelled, ran out of time, or its worker stops (requeued); idempotent",
    inputs: [failIn],
    handle: handleFail,
  }),
];
