import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKeelClient } from "../../sdk/index";
import { verifySignature } from "../../server/registry/webhook-signing";
import { errorUnder, launch, signInAs, withPage } from "./browser";
import { httpClient } from "./http";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const { url, auth, call, trpc } = httpClient(app);
const uniq = () => randomBytes(5).toString("hex");
const MODEL_DIR = path.resolve(import.meta.dirname, "../../models/tiny-bert-sentiment");

/** A webhook receiver: every POST is kept with its headers and raw body. */
function receiver() {
  const got: { event: string; signature: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      got.push({ event: String(req.headers["x-keel-event"]), signature: String(req.headers["x-keel-signature"]), body });
      res.end("ok");
    });
  });
  return new Promise<{ url: string; got: typeof got; close: () => void }>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => server.close() }),
    ),
  );
}

/** A second member (admin), created with the CLI on the running instance's data dir, invited over the API, accepting. */
async function secondMember() {
  const email = `approver-${uniq()}@example.com`;
  const password = "approver-password-1";
  const env: NodeJS.ProcessEnv = { ...process.env, KEEL_DATA_DIR: app?.dataDir, LOG_LEVEL: "silent" };
  if (app?.databaseUrl) env.DATABASE_URL = app.databaseUrl;
  else delete env.DATABASE_URL;
  const res = spawnSync(
    process.execPath,
    [path.resolve(import.meta.dirname, "../../bin/keel.mjs"), "users", "create", "--email", email, "--password", password, "--json"],
    {
      env,
      encoding: "utf8",
    },
  );
  expect(res.status, res.stderr).toBe(0);
  const { invitation } = (await call("POST", "/api/v1/projects/demo/members", { email, role: "admin" })) as { invitation: { url: string } };
  // adding a member is an invitation by link: the invited account signs in and accepts it
  const headers = { "content-type": "application/json", origin: new URL(url("/")).origin };
  const signedIn = await fetch(url("/api/trpc/workspace.auth.signIn"), {
    method: "POST",
    headers,
    body: JSON.stringify({ json: { email, password } }),
  });
  expect(signedIn.status).toBe(200);
  const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const token = invitation.url.split("/invite/")[1];
  const accepted = await fetch(url("/api/trpc/workspace.invitations.accept"), {
    method: "POST",
    headers: { ...headers, cookie },
    body: JSON.stringify({ json: { token } }),
  });
  expect(accepted.status, await accepted.clone().text()).toBe(200);
  return { email, password };
}

/** An eval run of predictions equal to the references (ROUGE-L 1.0), finished. */
async function perfectEvalRun(name: string): Promise<string> {
  const lines = ["the cat sat on the mat", "otters eat fish"]
    .map((r, i) => JSON.stringify({ input: `q${i}`, references: [r], prediction: r }))
    .join("\n");
  const res = await fetch(url(`/api/v1/projects/demo/datasets/${name}/versions?format=jsonl`), {
    method: "POST",
    headers: auth(),
    body: lines,
  });
  const version = (await res.json()) as { id: string };
  const { id: projectId } = await trpc("workspace.projects.get", { projectId: "demo" }, "GET");
  const run = await trpc("evals.runs.create", { projectId, name, datasetVersionId: version.id });
  for (let i = 0; i < 120; i++) {
    const r = await trpc("evals.runs.get", { projectId, runId: run.id }, "GET");
    if (r.status === "succeeded") return run.id;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  throw new Error("the eval run did not finish");
}

const signIn = (page: Page, email = app?.email ?? "", password = app?.password ?? "") =>
  app ? signInAs(page, app.url, email, password, "/demo") : Promise.resolve();

describe.skipIf(Boolean(skip))(`model registry and experiments in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  let hook: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    browser = await launch();
    hook = await receiver();
  });
  afterAll(async () => {
    await browser?.close();
    hook?.close();
  });

  it("registers the bundled files, gates and approves a promotion by a second member, rolls back, and signs every webhook", async () => {
    if (!app) return;
    const model = `sentiment-${uniq()}`;
    const gate = `quality-${uniq()}`;
    let secret = "";

    await withPage(browser, "registry-owner", async (page) => {
      await signIn(page);
      // a webhook for every event, its secret shown once
      await page.goto(url("/demo/registry/webhooks"));
      const newHook = page.getByRole("form", { name: "New webhook" });
      const hookUrl = newHook.getByLabel("Receiver URL");
      const hookCreates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("registry.webhooks.create")) hookCreates.push(r.url());
      });
      // refused in the browser before any request: no URL, and no event picked
      await newHook.getByLabel("All events").uncheck();
      await newHook.getByRole("button", { name: "Create webhook" }).click();
      await expect.poll(() => errorUnder(hookUrl)).toBe("Enter the receiver URL");
      await newHook.getByText("Pick at least one event, or All events").waitFor();
      expect(hookCreates).toEqual([]);
      // the server's 400 naming url lands under the field
      await newHook.getByLabel("All events").check();
      await hookUrl.fill("ftp://example.com/hook");
      await newHook.getByRole("button", { name: "Create webhook" }).click();
      await expect.poll(() => errorUnder(hookUrl)).toMatch(/must use http or https/);
      expect(hookCreates.length).toBe(1);
      await hookUrl.fill(hook.url);
      await newHook.getByRole("button", { name: "Create webhook" }).click();
      const shown = await page
        .getByText(/whsec_[A-Za-z0-9_-]+/)
        .first()
        .textContent();
      secret = (shown?.match(/whsec_[A-Za-z0-9_-]+/) ?? [""])[0];
      expect(secret).toMatch(/^whsec_/);

      // register a model and upload the bundled folder twice
      await page.goto(url("/demo/registry"));
      await page.getByRole("heading", { level: 1, name: "Model registry" }).waitFor();
      const register = page.getByRole("form", { name: "Register model" });
      const creates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("registry.models.create")) creates.push(r.url());
      });
      // the registry's own schema, in the browser: a slash is refused under the name before any request
      const modelName = register.getByLabel("Model name");
      await modelName.fill(`bad/${model}`);
      await register.getByRole("button", { name: "Register model" }).click();
      await expect.poll(() => modelName.getAttribute("aria-invalid")).toBe("true");
      await register.getByText("A model name may not contain / @ : \\ or control characters").waitFor();
      expect(creates).toEqual([]);
      await register.getByLabel("Model name").fill(model);
      await register.getByLabel("Task").fill("text-classification");
      await register.getByRole("button", { name: "Register model" }).click();
      await page.getByRole("link", { name: `Open ${model}` }).click();
      await page.getByRole("heading", { level: 1, name: model }).waitFor();
      const upload = page.getByRole("form", { name: "Upload version" });
      const sent: string[] = [];
      page.on("request", (r) => {
        if (
          /registry\.aliases\.move|registry\.approvals\.setPolicy/.test(r.url()) ||
          (r.method() === "POST" && r.url().includes("/versions?"))
        )
          sent.push(r.url());
      });
      // nothing picked: refused under the folder picker, nothing sent
      await upload.getByRole("button", { name: "Upload version" }).click();
      await expect.poll(() => errorUnder(upload.getByLabel("Model folder"))).toBe("Choose a model folder or files to upload");
      expect(sent).toEqual([]);
      for (const n of [1, 2]) {
        await upload.getByLabel("Model folder").setInputFiles(MODEL_DIR);
        await upload.getByRole("button", { name: "Upload version" }).click();
        await page.getByText(`Uploaded version ${n}.`).waitFor();
      }
      const v1 = await call("GET", `/api/v1/registry/models/${model}/versions/1`);
      const bundled = fs.readdirSync(MODEL_DIR, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      expect(v1).toMatchObject({ format: "transformers.js", fileCount: bundled.length });

      // production -> v1 while no policy guards it; first a bad alias and no version, refused under their fields unsent
      const move = page.getByRole("form", { name: "Move alias" });
      const uploads = sent.length;
      await move.getByLabel("Alias").fill("Prod!");
      await move.getByRole("button", { name: "Move alias" }).click();
      await expect
        .poll(() => errorUnder(move.getByLabel("Alias")))
        .toBe("An alias is lower-case letters, digits, - and _, starting with a letter");
      expect(await errorUnder(move.getByLabel("Version"))).toBe("Pick a version");
      expect(sent.length).toBe(uploads);
      await move.getByLabel("Alias").fill("production");
      await move.getByLabel("Version").selectOption("1");
      await move.getByRole("button", { name: "Move alias" }).click();
      await page.getByText("Moved @production to v1").waitFor();

      // a stale page: v3 is archived through the API after the form listed it; the server's 409 lands under Version
      await upload.getByLabel("Model folder").setInputFiles(MODEL_DIR);
      await upload.getByRole("button", { name: "Upload version" }).click();
      await page.getByText("Uploaded version 3.").waitFor();
      await expect.poll(() => move.getByLabel("Version").locator("option", { hasText: "v3" }).count()).toBe(1);
      await trpc("registry.versions.update", { projectId: "demo", model, version: 3, status: "archived" });
      await move.getByLabel("Alias").fill("staging");
      await move.getByLabel("Version").selectOption("3");
      await move.getByRole("button", { name: "Move alias" }).click();
      await expect.poll(() => errorUnder(move.getByLabel("Version"))).toBe("Version 3 is archived; only a ready version can be aliased");

      // v2 has a perfect eval run; the policy wants the gate and one approval by an admin or owner
      const evalRunId = await perfectEvalRun(`registry-e2e-${uniq()}`);
      await call("POST", `/api/v1/registry/models/${model}/versions/2/evals`, { evalRunId });
      const { id: projectId } = await trpc("workspace.projects.get", { projectId: "demo" }, "GET");
      await trpc("evals.gates.create", { projectId, name: gate, rules: ["rougeL.fmeasure >= 0.9"] });
      await page.reload();
      const policy = page.getByRole("form", { name: "Approval policy" });
      // the server's policy schema, in the browser: 11 approvals and a bad alias are refused under their fields, unsent
      const before = sent.length;
      await policy.getByLabel("Guarded aliases").fill("production, Bad!");
      await policy.getByLabel("Required approvals").fill("11");
      await policy.getByRole("button", { name: "Save policy" }).click();
      await expect
        .poll(() => errorUnder(policy.getByLabel("Required approvals")))
        .toBe("Required approvals is a whole number from 0 to 10");
      expect(await errorUnder(policy.getByLabel("Guarded aliases"))).toBe(
        "Bad!: an alias is lower-case letters, digits, - and _, starting with a letter",
      );
      expect(sent.length).toBe(before);
      await policy.getByLabel("Guarded aliases").fill("production");
      await policy.getByLabel("Required approvals").fill("1");
      await policy.getByRole("checkbox", { name: "Admin" }).check();
      await policy.getByRole("checkbox", { name: "Owner" }).check();
      await policy.getByRole("checkbox", { name: gate }).check();
      await policy.getByRole("button", { name: "Save policy" }).click();
      await page.getByText("Policy saved.").waitFor();

      // request production -> v2: the gate passes, the move waits for approval
      await move.getByLabel("Alias").fill("production");
      await move.getByLabel("Version").selectOption("2");
      await move.getByLabel("Reason").fill("better model");
      await move.getByRole("button", { name: "Move alias" }).click();
      await page.getByText(/Waiting for approval: moving @production to v2/).waitFor();
      await page.reload();
      const gateTable = page.getByRole("table", { name: `Gate results: ${gate}` }).first();
      await gateTable.getByRole("cell", { name: "rougeL.fmeasure >= 0.9" }).waitFor();
      await gateTable.getByRole("cell", { name: "passed" }).waitFor();
      await page.getByText("You requested this move; another member must approve it.").first().waitFor();
    });

    const approver = await secondMember();
    await withPage(browser, "registry-approver", async (page) => {
      await signIn(page, approver.email, approver.password);
      await page.goto(url("/demo/registry/approvals"));
      const request = page.getByRole("article").filter({ hasText: `${model}: Move @production to v2` });
      await request
        .getByRole("region", { name: `Gate ${gate}` })
        .getByText("passed", { exact: true })
        .first()
        .waitFor();
      await request.getByLabel("Comment").fill("numbers look right");
      await request.getByRole("button", { name: "Approve" }).click();
      await expect.poll(async () => (await call("GET", `/api/v1/registry/models/${model}/aliases/production`)).version).toBe(2);
    });

    await withPage(browser, "registry-rollback", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/registry/models/${model}`));
      await page.getByRole("button", { name: "Roll back production" }).click();
      const form = page.getByRole("form", { name: "Roll back production" });
      await form.getByLabel("Rollback reason").fill("drill");
      await form.getByRole("button", { name: "Confirm roll back" }).click();
      await page.getByText("Rolled back @production to v1 (was v2).").waitFor();
      const history = page.getByRole("table", { name: "Alias history" });
      await history.getByRole("cell", { name: "rollback" }).waitFor();
    });
    expect((await call("GET", `/api/v1/registry/models/${model}/aliases/production`)).version).toBe(1);

    // every event arrived, signed with the webhook's secret
    const wanted = ["model_version.created", "alias.moved", "approval.requested", "approval.voted", "approval.approved"];
    await expect.poll(() => wanted.every((e) => hook.got.some((g) => g.event === e)), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => hook.got.filter((g) => g.event === "alias.moved").length, { timeout: 30_000 }).toBe(3);
    for (const g of hook.got) expect(verifySignature(secret, g.body, g.signature)).toMatchObject({ ok: true });
    const moves = hook.got.filter((g) => g.event === "alias.moved").map((g) => JSON.parse(g.body).data);
    expect(moves.map((m) => [m.from, m.to, m.kind]).sort()).toEqual(
      [
        [null, 1, "move"],
        [1, 2, "move"],
        [2, 1, "rollback"],
      ].sort(),
    );
  });

  it("shows runs logged with the TypeScript client and through MLflow's REST API", async () => {
    if (!app) return;
    const experiment = `e2e-exp-${uniq()}`;
    const keel = createKeelClient({ baseUrl: app.url, apiKey: app.key });
    const run = await keel.runs.start({ experiment, name: `client-run-${uniq()}`, params: { lr: 0.01, layers: 2 } });
    for (let step = 0; step < 5; step++) run.log({ loss: 1 / (step + 1) }, { step });
    await run.end();

    // an MLflow client's recorded requests, in their own experiment
    const fixture = (name: string) => fs.readFileSync(path.resolve(import.meta.dirname, `../fixtures/mlflow/${name}.json`), "utf8");
    const mlflowExperiment = `mlflow-${uniq()}`;
    const { experiment_id } = await call("POST", "/api/2.0/mlflow/experiments/create", { name: mlflowExperiment });
    const created = await call(
      "POST",
      "/api/2.0/mlflow/runs/create",
      JSON.parse(fixture("runs-create").replace("{{experiment_id}}", experiment_id)),
    );
    await call(
      "POST",
      "/api/2.0/mlflow/runs/log-batch",
      JSON.parse(fixture("runs-log-batch").replace("{{run_id}}", created.run.info.run_id)),
    );
    await call("POST", "/api/2.0/mlflow/runs/update", { run_id: created.run.info.run_id, status: "FINISHED", end_time: 1716200004000 });

    await withPage(browser, "experiments", async (page) => {
      await signIn(page);
      await page.goto(url("/demo/registry/experiments"));
      await page.getByRole("table", { name: "Experiments" }).getByRole("link", { name: experiment }).click();
      await page.getByRole("table", { name: "Runs" }).getByRole("link", { name: run.name }).click();
      await page.getByRole("heading", { level: 1, name: run.name }).waitFor();
      await page.getByRole("img", { name: /^loss by step/ }).waitFor();

      await page.goto(url("/demo/registry/experiments"));
      await page.getByRole("table", { name: "Experiments" }).getByRole("link", { name: mlflowExperiment }).click();
      const runs = page.getByRole("table", { name: "Runs" });
      await runs.getByRole("link", { name: "sunny-wren-42" }).waitFor();
      await runs.getByRole("cell", { name: "adam" }).waitFor();
      await runs.getByRole("link", { name: "sunny-wren-42" }).click();
      await page.getByRole("img", { name: /^accuracy by step/ }).waitFor();
    });
  });
});
