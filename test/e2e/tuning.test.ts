import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const uniq = () => randomBytes(5).toString("hex");
const auth = () => ({ authorization: `Bearer ${app?.key}`, "content-type": "application/json" });

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
      // a 400 from the server shows beside the field it names, and nothing is queued
      const epochs = form.getByLabel("epochs", { exact: true });
      await form.getByText("Loading the method's defaults…").waitFor({ state: "hidden" });
      // the defaults and ranges come from api.tuning.hyperparameters
      await expect.poll(() => epochs.inputValue()).toBe("8"); // the head's default, from the contract
      await epochs.fill("0");
      await form.getByRole("button", { name: "Launch job" }).click();
      await expect.poll(() => form.textContent()).toMatch(/epochs.*(>=|greater|too small)/i);
      await epochs.fill("5");
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
      expect(text).toMatch(new RegExp(`tuning job \\w+ produced ${output} v1`));

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
});
