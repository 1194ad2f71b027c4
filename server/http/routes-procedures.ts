import { type ProcedureEntry, procedureRoute as r } from "./entry";

/**
 * The `/api/v1` endpoints that are tRPC procedures under REST paths. Each entry names its procedure;
 * input, output, auth and role are read from it (entry.ts), so REST and tRPC cannot disagree. Path
 * parameters are named after the input fields they fill.
 */
const P = "/api/v1/projects/:projectId";
const created = { status: 201 };

const WORKSPACE: ProcedureEntry[] = [
  r("GET", "/api/v1/me", "workspace.auth.me", { from: "none", summary: "The caller: user or key" }),
  r("GET", P, "workspace.projects.get", { from: "none", summary: "A project" }),
  r("GET", `${P}/members`, "workspace.members.list", { summary: "Members of a project" }),
  r("POST", `${P}/members`, "workspace.members.add", { ...created, summary: "Add a member" }),
  r("PATCH", `${P}/members/:memberId`, "workspace.members.updateRole", { summary: "Change a member's role" }),
  r("DELETE", `${P}/members/:memberId`, "workspace.members.remove", { summary: "Remove a member" }),
  r("GET", `${P}/invitations`, "workspace.invitations.list", { summary: "Invitations of a project (pending only by default)" }),
  r("DELETE", `${P}/invitations/:invitationId`, "workspace.invitations.revoke", { summary: "Revoke an invitation" }),
  r("GET", `${P}/keys`, "workspace.keys.list", { summary: "API keys of a project" }),
  r("POST", `${P}/keys`, "workspace.keys.create", { ...created, summary: "Create an API key (the secret is shown once)" }),
  r("PATCH", `${P}/keys/:keyId`, "workspace.keys.update", {
    summary: "Change a secret key's gateway limits (rpm, tpm, budget, models, expiry)",
  }),
  r("DELETE", `${P}/keys/:keyId`, "workspace.keys.revoke", { summary: "Revoke an API key" }),
  r("GET", `${P}/jobs`, "jobs.list", { summary: "Jobs of a project" }),
  r("GET", `${P}/jobs/:jobId`, "jobs.get", { from: "none", summary: "A job" }),
  r("POST", `${P}/jobs/:jobId/cancel`, "jobs.cancel", { from: "none", summary: "Cancel a job" }),
  r("GET", `${P}/audit-logs`, "workspace.audit.list", { summary: "The project's audit log" }),
  r("GET", `${P}/models/local`, "serving.localModels", { from: "none", summary: "Models bundled with this server" }),
];

/** `/api/v1/drift/...`: project from the secret key or `?project=`. */
const D = "/api/v1/drift";
const key = { project: "key" } as const;
const DRIFT: ProcedureEntry[] = [
  r("GET", `${D}/monitors`, "drift.monitors.list", { ...key, summary: "Drift monitors" }),
  r("POST", `${D}/monitors`, "drift.monitors.create", { ...key, ...created, summary: "Create a drift monitor" }),
  r("GET", `${D}/monitors/:monitor`, "drift.monitors.get", { ...key, from: "none", summary: "A drift monitor" }),
  r("PATCH", `${D}/monitors/:monitor`, "drift.monitors.update", { ...key, bodyField: "patch", summary: "Change a drift monitor" }),
  r("DELETE", `${D}/monitors/:monitor`, "drift.monitors.delete", { ...key, summary: "Delete a drift monitor" }),
  r("POST", `${D}/monitors/:monitor/run`, "drift.monitors.run", { ...key, ...created, from: "none", summary: "Run a monitor now" }),
  r("GET", `${D}/monitors/:monitor/runs`, "drift.runs.list", { ...key, summary: "A monitor's runs" }),
  r("GET", `${D}/monitors/:monitor/rules`, "drift.rules.list", { ...key, from: "none", summary: "A monitor's alert rules" }),
  r("POST", `${D}/monitors/:monitor/rules`, "drift.rules.create", { ...key, ...created, bodyField: "rule", summary: "Add an alert rule" }),
  r("GET", `${D}/runs/:runId`, "drift.runs.get", { ...key, from: "none", summary: "A drift run" }),
  r("GET", `${D}/alerts`, "drift.alerts.list", { ...key, summary: "Drift alerts" }),
  r("POST", `${D}/alerts/:alertId/acknowledge`, "drift.alerts.acknowledge", { ...key, from: "none", summary: "Acknowledge an alert" }),
];

/** Eval runs (stored predictions or a live deployment) and the gates that judge them. */
const E = `${P}/evals`;
const EVALS: ProcedureEntry[] = [
  r("GET", `${E}/runs`, "evals.runs.list", { summary: "Eval runs, newest first" }),
  r("POST", `${E}/runs`, "evals.runs.create", { ...created, summary: "Create an eval run (queued for a worker)" }),
  r("POST", `${E}/runs/estimate`, "evals.runs.estimate", { summary: "What a run would cost before it starts: tokens and USD" }),
  r("POST", `${E}/runs/with-data`, "evals.runs.createWithData", {
    ...created,
    summary: "Create an eval run with its data: rows uploaded as a dataset version in the run's transaction, or a dataset version by name",
  }),
  r("GET", `${E}/runs/:runId`, "evals.runs.get", { from: "none", summary: "An eval run with its progress and aggregates" }),
  r("GET", `${E}/runs/:runId/items`, "evals.runs.items", { summary: "A run's items: input, prediction, references, scores" }),
  r("GET", `${E}/compare`, "evals.runs.compare", { summary: "Two runs over one dataset version, paired bootstrap" }),
  r("GET", `${E}/gates`, "evals.gates.list", { from: "none", summary: "Eval gates" }),
  r("POST", `${E}/gates`, "evals.gates.create", { ...created, summary: "Create an eval gate" }),
  r("POST", `${E}/gates/:gateId/evaluate`, "evals.gates.evaluate", { summary: "Judge a run (against a baseline run) by a gate" }),
];

export const PROCEDURE_ROUTES: ProcedureEntry[] = [...WORKSPACE, ...DRIFT, ...EVALS];
