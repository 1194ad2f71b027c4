import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKeelClient } from "../../sdk/index";
import { errorUnder, launch, signInAs, withPage } from "./browser";
import { httpClient } from "./http";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const { url, auth, mutate } = httpClient(app);
const uniq = () => randomBytes(5).toString("hex");

const SENTIMENT = path.resolve("test/fixtures/tuning/sentiment.tsv.gz"); // a copy of shared/datasets/sentiment.tsv.gz
const PER_LABEL_SPLIT = 200;

/** The first rows per (label, split) of the shared sentiment set (gzip TSV: label 0|1, split, text) as dataset JSONL. */
function sentimentJsonl(): { jsonl: string; positive: string } {
  const taken = new Map<string, number>();
  const rows: string[] = [];
  let positive = "";
  for (const line of zlib.gunzipSync(fs.readFileSync(SENTIMENT)).toString("utf8").split("\n")) {
    const [label, split, text] = line.split("\t");
    if (!text || (label !== "0" && label !== "1")) continue;
    const k = `${label}/${split}`;
    if ((taken.get(k) ?? 0) >= PER_LABEL_SPLIT) continue;
    taken.set(k, (taken.get(k) ?? 0) + 1);
    const name = label === "1" ? "positive" : "negative";
    if (name === "positive" && split === "test" && !positive) positive = text;
    rows.push(JSON.stringify({ input: text, references: [name], metadata: { split } }));
  }
  return { jsonl: `${rows.join("\n")}\n`, positive };
}

const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

describe.skipIf(Boolean(skip) || !fs.existsSync(SENTIMENT))(`fine-tuning in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("launches a head job from the form, watches it succeed, finds the version with its lineage and classifies through the gateway", async () => {
    const id = uniq();
    const dataset = `sentiment-${id}`;
    const output = `sentiment-head-${id}`;
    const deployment = `sentiment-${id}`;
    const { jsonl, positive } = sentimentJsonl();

    // the dataset, through the upload API the CLI and SDK use
    const up = await fetch(url(`/api/v1/projects/demo/datasets/${dataset}/versions?format=jsonl`), {
      method: "POST",
      headers: auth(),
      body: jsonl,
    });
    expect(up.status, await up.clone().text()).toBeLessThan(300);
    expect((await up.json()).rowCount).toBe(4 * PER_LABEL_SPLIT);

    // the output model exists already, guarded on @staging by a gate on the eval run and one approval
    await mutate("registry.models.create", { projectId: "demo", name: output, task: "text-classification" });
    const gate = await mutate<{ id: string }>("evals.gates.create", {
      projectId: "demo",
      name: `tuned-${id}`,
      rules: ["exact_match.score >= 0.1"],
    });
    await mutate("registry.approvals.setPolicy", {
      projectId: "demo",
      model: output,
      aliases: ["staging"],
      requiredApprovals: 1,
      approverRoles: ["admin", "owner"],
      gateIds: [gate.id],
    });

    await withPage(browser, "tuning-head", async (page) => {
      await signIn(page);

      // the in-process worker of `keel start` is online with the head trainer
      await page.goto(url("/demo/tuning/workers"));
      const workers = page.getByRole("table", { name: "Workers" });
      await expect.poll(() => workers.textContent()).toMatch(/online.*head/);

      // launch from the form
      await page.goto(url("/demo/tuning"));
      await page.getByRole("heading", { level: 1, name: "Fine-tuning" }).waitFor();
      await page.getByRole("button", { name: "Launch" }).click();
      const form = page.getByRole("form", { name: "Launch a fine-tuning job" });
      await form.getByLabel("Method").selectOption("head");
      await form.getByLabel("Base model").selectOption("tiny-bert-embed");
      await form.getByLabel("Dataset", { exact: true }).selectOption(dataset);
      await form.getByLabel("Output model").fill(output);
      await form.getByLabel("Promote to alias").fill("staging");
      const launches: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("tuning.create")) launches.push(r.url());
      });
      // the method's range, from the server's own schema: refused under the field in the browser, before any request
      const epochs = form.getByLabel("epochs", { exact: true });
      await form.getByText("Loading the method's defaults…").waitFor({ state: "hidden" });
      // the defaults and ranges come from the schemas the server validates with (server/tuning/inputs.ts)
      await expect.poll(() => epochs.inputValue()).toBe("8"); // the head's default, from the contract
      await epochs.fill("0");
      await form.getByRole("button", { name: "Launch job" }).click();
      await expect.poll(() => errorUnder(epochs)).toMatch(/epochs.*(>=|greater|too small)/i);
      expect(launches).toEqual([]);
      await epochs.fill("5");
      // what only the server knows (a base model of the wrong task) comes back under its field, and nothing is queued
      const base = form.getByLabel("Base model");
      await base.selectOption("tiny-gpt2");
      await form.getByRole("button", { name: "Launch job" }).click();
      await expect.poll(() => errorUnder(base)).toMatch(/^Head cannot train tiny-gpt2 .*feature-extraction/);
      expect(launches.length).toBe(1);
      await base.selectOption("tiny-bert-embed");
      await form.getByRole("button", { name: "Launch job" }).click();

      // the job page: it runs on the worker and succeeds, with logs, a loss chart and lineage
      await page.waitForURL(/\/demo\/tuning\/\d+$/);
      const number = Number(page.url().split("/").pop());
      await expect.poll(() => page.getByTestId("job-status").textContent(), { timeout: 45_000 }).toBe("succeeded");
      await expect.poll(() => page.getByRole("log", { name: "Job logs" }).textContent()).toMatch(/\S/);
      await page.getByRole("img", { name: /^loss by step/ }).waitFor();
      const lineage = page.getByRole("list", { name: "Lineage" });
      await expect.poll(() => lineage.textContent()).toContain(`${output} v1`);
      expect(await lineage.textContent()).toContain(`${dataset} v1`);
      expect(await lineage.textContent()).toContain(`job #${number}`);
      // its eval run on the held-out rows (exact match, linked) and the promotion it requested
      const evalName = `tuning job #${number}: ${output} v1 on test`;
      const evalHref = await page.getByRole("link", { name: evalName }).getAttribute("href");
      expect(evalHref).toMatch(/^\/demo\/evals\/runs\/[0-9a-f-]{36}$/);
      await expect.poll(() => page.getByTestId("job-exact-match").textContent()).toMatch(/^[01]\.\d{3} \(n=\d+\)/);
      await expect.poll(() => page.getByTestId("job-promotion").textContent()).toMatch(/requested.*@staging/);

      // the list shows it too, with its result
      await page.goto(url("/demo/tuning"));
      const row = page.getByRole("table", { name: "Tuning jobs" }).getByRole("row", { name: new RegExp(`#${number}\\b`) });
      await expect.poll(() => row.textContent()).toMatch(new RegExp(`succeeded.*${output} v1`));

      // the registry version page has its lineage: base, dataset and job
      await row.getByRole("link", { name: `${output} v1` }).click();
      await page.waitForURL(url(`/demo/registry/models/${output}/versions/1`));
      const links = page.getByRole("list", { name: "Lineage links" });
      await expect.poll(() => links.textContent()).toContain(`${dataset} v1 trained on tuning job`);
      const text = (await links.textContent()) ?? "";
      expect(text).toMatch(/v\d+ base tuning job/);
      expect(text).toMatch(new RegExp(`tuning job #\\d+ produced ${output} v1`));
      // and its evaluations: the job's eval run with its exact match, and the gate the @staging request passed
      const evals = page.getByRole("table", { name: "Eval runs" });
      const evalRow = evals.getByRole("row", { name: new RegExp(evalName) });
      await expect.poll(() => evalRow.textContent()).toMatch(/succeeded.*[01]\.\d{3}/);
      expect(await evalRow.getByRole("link", { name: evalName }).getAttribute("href")).toBe(evalHref);
      const gateTable = page.getByRole("table", { name: `Gates for @staging: tuned-${id}` });
      await gateTable.getByRole("cell", { name: "exact_match.score >= 0.1" }).waitFor();
      expect(await gateTable.getByRole("cell", { name: "passed" }).count()).toBe(1);

      // a classification deployment of it, from the deployments form
      await page.goto(url("/demo/routing/deployments"));
      const newDeployment = page.getByRole("form", { name: "New deployment" });
      await newDeployment.getByLabel("Deployment name").fill(deployment);
      await newDeployment.getByLabel("Task").selectOption("classification");
      await newDeployment.getByLabel("Registry model").fill(output);
      await newDeployment.getByLabel("Alias or version").fill("1");
      await newDeployment.getByRole("button", { name: "Create deployment" }).click();
      await page.getByText(`Created deployment ${deployment}.`).waitFor();
    });

    // one text through the gateway with the secret key
    const res = await fetch(url("/api/v1/classifications"), {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ model: deployment, input: positive }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(["positive", "negative"]).toContain(body.data?.[0]?.label);
  });

  it("launches a job from a saved logs view: the dataset version is built from its traces", async () => {
    const id = uniq();
    const tag = `tune-${id}`;
    const view = `tune/${id}`; // a slash: the default dataset name replaces it
    // six logged calls carrying the tag, two labels (a head learns output from input), and a saved view of them
    const errors: unknown[] = [];
    const keel = createKeelClient({ baseUrl: url(""), apiKey: app?.key ?? "", onError: (e) => errors.push(e) });
    for (const [i, label] of ["positive", "negative", "positive", "negative", "positive", "negative"].entries())
      keel
        .trace({ name: `tune-e2e-${id}`, tags: [tag], input: `review ${i} of ${id}: ${label === "positive" ? "loved it" : "hated it"}` })
        .update({ output: label });
    await keel.shutdown();
    expect(errors).toEqual([]);
    await mutate("logs.views.save", { projectId: "demo", name: view, query: `tags=${tag}` });

    await withPage(browser, "tuning-from-logs", async (page) => {
      await signIn(page);
      // from the logs explorer: the saved view, then "Fine-tune on it" opens the launch form on it
      await page.goto(url("/demo/logs"));
      await page.getByLabel("Saved views").selectOption(view);
      await page.getByRole("link", { name: "Fine-tune on it" }).click();
      await page.waitForURL(/\/demo\/tuning\?view=/);
      const form = page.getByRole("form", { name: "Launch a fine-tuning job" });
      await form.getByLabel("Method").selectOption("head");
      await form.getByLabel("Base model").selectOption("tiny-bert-embed");
      expect(await form.getByLabel("Data source").inputValue()).toBe("logs");
      await expect.poll(() => form.getByLabel("Saved view").inputValue()).toBe(view);
      expect(await form.getByLabel("Dataset name").inputValue()).toBe(`sft-tune-${id}`);
      expect(await form.getByLabel("Drop duplicates").isChecked()).toBe(true);
      // the held-out share's range is the server's: refused under the field before any request
      const launches: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("tuning.create")) launches.push(r.url());
      });
      const heldOut = form.getByLabel("Held-out share");
      await heldOut.fill("0.9");
      await form.getByRole("button", { name: "Launch job" }).click();
      await expect.poll(() => errorUnder(heldOut)).toMatch(/^Too big: expected number to be <=0\.5/);
      expect(launches).toEqual([]);
      await heldOut.fill("0.2");
      // the in-process worker has CPUs only: the form says so before a GPU job is launched, without refusing it
      const capacity = form.getByRole("status", { name: "Worker capacity" });
      await form.getByLabel("Resources").selectOption("gpu");
      await expect
        .poll(() => capacity.textContent())
        .toMatch(
          /^No online worker can run a head on a GPU: \d+ workers? online \(.*CPU, [^)]*head.*\)\. The job will wait in the queue until one joins\.$/,
        );
      // on the CPU it can: no warning
      await form.getByLabel("Resources").selectOption("cpu");
      await expect.poll(() => capacity.count()).toBe(0);
      // a GPU it cannot get: the job stays queued, saying why
      await form.getByLabel("Resources").selectOption("gpu");
      await capacity.waitFor();
      await form.getByRole("button", { name: "Launch job" }).click();

      await page.waitForURL(/\/demo\/tuning\/\d+$/);
      const number = Number(page.url().split("/").pop());
      expect(await page.getByTestId("job-status").textContent()).toBe("queued");
      await page.getByText(/no online worker has a GPU/).waitFor();
      const source = page.getByTestId("job-dataset-source");
      await expect
        .poll(() => source.textContent())
        .toMatch(new RegExp(`sft-tune-${id} v1: 6 rows built from logs \\(saved view ${view}\\)`));
      await mutate("tuning.cancel", { projectId: "demo", job: number });
    });
  });
});
