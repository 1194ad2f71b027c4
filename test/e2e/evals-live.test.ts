import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const uniq = () => randomBytes(4).toString("hex");

/** Short questions with one-word references: tiny-gpt2 answers each in a few tokens on CPU. */
const ROWS = [
  { input: { question: "What is the capital of France?" }, references: ["Paris"] },
  { input: { question: "What colour is the sky?" }, references: ["blue"] },
  { input: { question: "How many legs has a cat?" }, references: ["four"] },
  { input: { question: "What do bees make?" }, references: ["honey"] },
];

/** The dataset, uploaded over the HTTP API with the demo key as a client would (the console's upload form has its own test). */
async function uploadDataset(name: string): Promise<void> {
  const res = await fetch(url(`/api/v1/projects/demo/datasets/${name}/versions?format=jsonl`), {
    method: "POST",
    headers: { authorization: `Bearer ${app?.key}` },
    body: ROWS.map((r) => JSON.stringify(r)).join("\n"),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}

/**
 * Console errors, uncaught exceptions and CSP violations from every document the page loads (as the
 * API docs test watches them): the violation event is reported through a binding that survives navigations.
 */
async function watchForErrors(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.exposeFunction("__keelCspViolation", (v: string) => problems.push(`csp: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const report = (window as unknown as { __keelCspViolation: (v: string) => void }).__keelCspViolation;
      void report(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  return problems;
}

const TEMPLATE = "Question: {{input.question}}\nAnswer:";

/** Fill the New eval run page up to the target; `pick` chooses it. Returns the form. */
async function startForm(page: Page, runName: string, dataset: string, pick: (form: ReturnType<Page["getByRole"]>) => Promise<void>) {
  await page.goto(url("/demo/evals"));
  await page.getByRole("heading", { level: 1, name: "Evaluations", exact: true }).waitFor();
  await page.getByRole("link", { name: "New eval run", exact: true }).click();
  await page.waitForURL(url("/demo/evals/new"));
  await page.getByRole("heading", { level: 1, name: "New eval run" }).waitFor();
  const form = page.getByRole("form", { name: "New run" });
  await form.getByLabel("Run name").fill(runName);
  // the target first: a version without predictions is labelled so while the target is the stored predictions
  await pick(form);
  const version = form.getByLabel("Dataset version");
  await expect.poll(() => version.locator("option", { hasText: `${dataset} v1` }).count(), { timeout: 15_000 }).toBe(1);
  await version.selectOption({ label: `${dataset} v1` });
  await form.getByLabel("Prompt template").fill(TEMPLATE);
  await form.getByLabel("Max tokens").fill("6");
  // ROUGE only
  await form.getByLabel("BLEU", { exact: true }).uncheck();
  await form.getByLabel("chrF", { exact: true }).uncheck();
  await expect.poll(() => form.getByLabel("ROUGE", { exact: true }).isChecked()).toBe(true);
  return form;
}

async function choose(select: ReturnType<Page["getByLabel"]>, label: string) {
  await expect.poll(() => select.locator("option", { hasText: label }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
  await select.selectOption({ label });
}

/** Start the run; the page moves to the run, which ends succeeded. */
async function startAndFinish(page: Page, form: ReturnType<Page["getByRole"]>, runName: string) {
  await form.getByRole("button", { name: "Start run" }).click();
  await page.waitForURL(/\/demo\/evals\/runs\/[0-9a-f-]{36}$/);
  await page.getByRole("heading", { level: 1, name: runName }).waitFor();
  await page.getByText("succeeded", { exact: true }).waitFor({ timeout: 180_000 });
}

describe.skipIf(Boolean(skip))(`eval runs of live targets in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("runs model:tiny-gpt2@production with a template, ROUGE and a judge, compares it with router:demo-router and gates it", async () => {
    if (!app) return;
    const dataset = `live-qa-${uniq()}`;
    const modelRun = `tiny-gpt2 ${uniq()}`;
    const routerRun = `demo-router ${uniq()}`;
    await uploadDataset(dataset);

    await withPage(browser, "evals-live", async (page) => {
      const problems = await watchForErrors(page);
      await signInAs(page, app.url, app.email, app.password, "/demo");

      // 1. the registry model by alias, with a judge (the local tiny-gpt2 deployment, yes/no)
      const form = await startForm(page, modelRun, dataset, async (f) => {
        await f.getByLabel("Target", { exact: true }).selectOption({ label: "A registry model version's answers" });
        await choose(f.getByLabel("Model", { exact: true }), "tiny-gpt2");
        await choose(f.getByLabel("Alias or version"), "production (v1)");
      });
      await form.getByText("model:tiny-gpt2@production", { exact: true }).waitFor();
      await form.getByLabel("Scorer kind").selectOption({ label: "LLM judge" });
      await form.getByRole("button", { name: "Add scorer" }).click();
      const judge = form.getByRole("group", { name: "Scorer 1" });
      await judge.getByLabel("Scorer name").fill("correct");
      await choose(judge.getByLabel("Judge deployment"), "tiny-gpt2");
      await expect.poll(() => judge.getByLabel("Option 1 label").inputValue()).toBe("yes");
      await expect.poll(() => judge.getByLabel("Option 2 label").inputValue()).toBe("no");

      // the estimate before Start: 4 items, the judge's calls on its deployment's prices
      const estimate = page.getByRole("region", { name: "Cost estimate" });
      await estimate.getByText(/for 4 items/).waitFor({ timeout: 30_000 });
      await estimate.getByText(/judge\.correct on tiny-gpt2: 4 calls/).waitFor();
      await startAndFinish(page, form, modelRun);

      // answers beside references, who answered, the judge's verdicts and each item's trace
      const items = page.getByRole("table", { name: "Run items" });
      await items.waitFor();
      await expect.poll(() => items.getByRole("row").count()).toBe(ROWS.length + 1);
      await items.getByRole("columnheader", { name: "Answer" }).waitFor();
      await items.getByRole("columnheader", { name: "judge.correct" }).waitFor();
      await items.getByRole("cell", { name: "Paris", exact: true }).waitFor();
      await expect.poll(() => items.getByText(/verdict (yes|no)/).count()).toBe(ROWS.length);
      await expect.poll(() => items.getByText("model:tiny-gpt2:1").count()).toBe(ROWS.length);
      const trace = items.getByRole("link", { name: "Trace of item 1" });
      expect(await trace.getAttribute("href")).toMatch(/^\/demo\/logs\/traces\/[0-9a-f-]{36}$/);
      const summary = page.getByRole("definition").filter({ hasText: "model:tiny-gpt2:1" });
      await summary.first().waitFor();

      // 2. the demo router on the same rows; its estimate is a range (all small to all large)
      const routerForm = await startForm(page, routerRun, dataset, async (f) => {
        await f.getByLabel("Target", { exact: true }).selectOption({ label: "A router's answers" });
        await choose(f.getByLabel("Router", { exact: true }), "demo-router");
      });
      await routerForm.getByText("router:demo-router", { exact: true }).waitFor();
      await estimate
        .getByTestId("estimate-cost")
        .getByText(/^\$[\d.]+ – \$[\d.]+$/)
        .waitFor({ timeout: 30_000 });
      await startAndFinish(page, routerForm, routerRun);
      await page.getByRole("term").filter({ hasText: "Large share" }).waitFor();

      // 3. compare: A = the model, B = the router
      await page.goto(url("/demo/evals"));
      const compare = page.getByRole("form", { name: "Compare runs" });
      await choose(compare.getByLabel("Run A"), modelRun);
      await choose(compare.getByLabel("Run B"), routerRun);
      await compare.getByRole("button", { name: "Compare" }).click();
      await page.waitForURL(/\/demo\/evals\/compare\?a=/);
      const sides = page.getByRole("table", { name: "Runs compared" });
      await sides.getByText("model:tiny-gpt2@production", { exact: true }).waitFor();
      await sides.getByText("router:demo-router", { exact: true }).waitFor();
      await sides.getByRole("rowheader", { name: "Large share" }).waitFor();
      await page
        .getByRole("table", { name: "Comparison figures" })
        .getByRole("cell", { name: /rougeL\.fmeasure/ })
        .waitFor();

      // 4. gate each side with a new gate: one that every run passes, one that none can
      const gate = page.getByRole("form", { name: "Evaluate a gate" });
      const evaluate = async (run: string, gateName: string, rules: string, verdict: "Gate passed" | "Gate failed") => {
        await gate.getByLabel("Run to gate").selectOption({ label: run });
        await gate.getByLabel("Gate", { exact: true }).selectOption({ label: "New gate…" });
        await gate.getByLabel("New gate name").fill(gateName);
        await gate.getByLabel("New gate rules").fill(rules);
        await gate.getByRole("button", { name: "Evaluate" }).click();
        const status = page.getByRole("status").filter({ hasText: `Gate ${gateName} on ${run}` });
        await status.getByText(verdict, { exact: true }).waitFor();
        return status;
      };
      const passed = await evaluate(`B: ${routerRun}`, `sane ${uniq()}`, "rougeL.fmeasure >= 0\nlatency.ms >= 0", "Gate passed");
      await expect.poll(() => passed.getByText("✓ pass").count()).toBe(2);
      const failed = await evaluate(`A: ${modelRun}`, `impossible ${uniq()}`, "rougeL.fmeasure > 1", "Gate failed");
      await failed.getByText("✗ fail").waitFor();

      expect(problems).toEqual([]);
    });
  });
});
