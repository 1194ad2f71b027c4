import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { errorUnder, launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const uniq = () => randomBytes(5).toString("hex");

const REFERENCES = [
  "the cat sat on the mat",
  "otters eat fish and shellfish",
  "the train leaves at nine in the morning",
  "water boils at one hundred degrees celsius",
  "paris is the capital of france",
];
const WEAK = ["a dog ran far away", "birds like seeds", "buses are often late", "ice is cold", "rome is old"];

/** Two JSONL files with the same inputs and references: weak predictions, then strong (the references themselves). */
async function writeFiles() {
  const dir = await mkdtemp(join(tmpdir(), "keel-evals-e2e-"));
  const lines = (preds: string[]) =>
    REFERENCES.map((ref, i) => JSON.stringify({ input: `Question ${i + 1}`, references: [ref], prediction: preds[i] })).join("\n");
  const weak = join(dir, "weak.jsonl");
  const strong = join(dir, "strong.jsonl");
  await writeFile(weak, `${lines(WEAK)}\n`);
  await writeFile(strong, `${lines(REFERENCES)}\n`);
  return { weak, strong };
}

const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

describe.skipIf(Boolean(skip))(`datasets and evaluations in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("uploads two versions, runs both, compares them and evaluates a gate against a baseline", async () => {
    if (!app) return;
    const { weak, strong } = await writeFiles();
    const dataset = `qa-e2e-${uniq()}`;
    const weakRun = `weak ${uniq()}`;
    const strongRun = `strong ${uniq()}`;
    const gateName = `release ${uniq()}`;

    await withPage(browser, "evals", async (page) => {
      await signIn(page);

      // upload v1 (weak) and v2 (strong) through the form
      await page.goto(url("/demo/datasets"));
      await page.getByRole("heading", { level: 1, name: "Datasets", exact: true }).waitFor();
      const upload = page.getByRole("form", { name: "Upload a version" });
      for (const [file, version] of [
        [weak, 1],
        [strong, 2],
      ] as const) {
        await upload.getByLabel("Dataset name").fill(dataset);
        await upload.getByLabel("File").setInputFiles(file);
        await upload.getByRole("button", { name: "Upload" }).click();
        await upload.getByText(`Uploaded ${dataset} version ${version} (5 rows)`).waitFor();
      }
      const versions = page.getByRole("table", { name: `Versions of ${dataset}` });
      await versions.getByRole("cell", { name: "v2", exact: true }).waitFor();
      await versions.getByRole("cell", { name: "v1", exact: true }).waitFor();

      // a run on each version
      await page.goto(url("/demo/evals"));
      await page.getByRole("heading", { level: 1, name: "Evaluations", exact: true }).waitFor();
      const newRun = page.getByRole("form", { name: "New run" });
      // the server's run schema, in the browser: no name and no version are refused under their fields before any request
      const sent: string[] = [];
      page.on("request", (r) => {
        for (const proc of ["evals.runs.create", "evals.gates.create", "registry.versions.linkEvalRun"])
          if (r.url().includes(proc)) sent.push(proc);
      });
      await newRun.getByRole("button", { name: "Start run" }).click();
      await expect.poll(() => errorUnder(newRun.getByLabel("Run name"))).toBe("Enter a run name");
      expect(await errorUnder(newRun.getByLabel("Dataset version"))).toBe("Pick a dataset version");
      expect(sent).toEqual([]);
      for (const [name, version] of [
        [weakRun, 1],
        [strongRun, 2],
      ] as const) {
        await newRun.getByLabel("Run name").fill(name);
        const select = newRun.getByLabel("Dataset version");
        await expect.poll(() => select.locator("option", { hasText: `${dataset} v${version}` }).count()).toBe(1);
        await select.selectOption({ label: `${dataset} v${version}` });
        await newRun.getByRole("button", { name: "Start run" }).click();
        await page.getByRole("table", { name: "Eval runs" }).getByRole("link", { name, exact: true }).waitFor();
      }
      const runs = page.getByRole("table", { name: "Eval runs" });
      for (const name of [weakRun, strongRun]) {
        const row = runs.getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });
        await row.getByText("succeeded", { exact: true }).waitFor({ timeout: 60_000 });
      }

      // a gate with an absolute and a baseline rule; a rule outside the grammar is refused under Rules before any request
      const gateForm = page.getByRole("form", { name: "New gate" });
      await gateForm.getByLabel("Gate name").fill(gateName);
      await gateForm.getByLabel("Rules").fill("rougeL.fmeasure >= 0.5\nbleu.score ~ 3");
      await gateForm.getByRole("button", { name: "Create gate" }).click();
      await expect.poll(() => errorUnder(gateForm.getByLabel("Rules"))).toMatch(/^Rule 2: gate rule "bleu\.score ~ 3": expected/);
      expect(sent).toEqual(["evals.runs.create", "evals.runs.create"]);
      await gateForm.getByLabel("Rules").fill("rougeL.fmeasure >= 0.5\nbleu.score >= baseline.bleu.score - 1.0");
      await gateForm.getByRole("button", { name: "Create gate" }).click();
      await page.getByRole("table", { name: "Gates" }).getByRole("cell", { name: gateName, exact: true }).waitFor();
      // the same name again: the server's conflict lands under the name
      await gateForm.getByLabel("Gate name").fill(gateName);
      await gateForm.getByLabel("Rules").fill("rougeL.fmeasure >= 0.1");
      await gateForm.getByRole("button", { name: "Create gate" }).click();
      await expect.poll(() => errorUnder(gateForm.getByLabel("Gate name"))).toBe(`A gate named ${gateName} already exists`);

      // compare: A = weak, B = strong
      const compare = page.getByRole("form", { name: "Compare runs" });
      await compare.getByLabel("Run A").selectOption({ label: weakRun });
      await compare.getByLabel("Run B").selectOption({ label: strongRun });
      await compare.getByRole("button", { name: "Compare" }).click();
      await page.waitForURL(/\/demo\/evals\/compare\?a=/);
      const figures = page.getByRole("table", { name: "Comparison figures" });
      await figures.waitFor();
      await figures.getByRole("cell", { name: /BLEU/ }).first().waitFor();
      await figures.getByRole("cell", { name: /rougeL\.fmeasure/ }).waitFor();
      await page.getByRole("table", { name: "Changed items" }).waitFor();

      // the gate on each run against the other as baseline
      const evaluate = async (run: string, baseline: string, verdict: string) => {
        await page.goto(url("/demo/evals"));
        await page.getByRole("table", { name: "Eval runs" }).getByRole("link", { name: run, exact: true }).click();
        await page.getByRole("heading", { level: 1, name: run }).waitFor();
        const form = page.getByRole("form", { name: "Evaluate a gate" });
        await expect.poll(() => form.getByLabel("Gate").locator("option", { hasText: gateName }).count()).toBe(1);
        await form.getByLabel("Gate").selectOption({ label: gateName });
        await expect.poll(() => form.getByLabel("Baseline run").locator("option", { hasText: baseline }).count()).toBe(1);
        await form.getByLabel("Baseline run").selectOption({ label: baseline });
        await form.getByRole("button", { name: "Evaluate" }).click();
        await page.getByText(verdict, { exact: true }).waitFor();
      };
      // on a run's page, a new gate is checked there too: nothing sent while it is wrong, the server's conflict under its name
      const panel = page.getByRole("form", { name: "Evaluate a gate" });
      const gatesSent = sent.length;
      await panel.getByLabel("Gate", { exact: true }).selectOption({ label: "New gate…" });
      await panel.getByLabel("New gate rules").fill("figure of merit");
      await panel.getByRole("button", { name: "Evaluate" }).click();
      await expect.poll(() => errorUnder(panel.getByLabel("New gate name"))).toBe("Enter a gate name");
      expect(await errorUnder(panel.getByLabel("New gate rules"))).toMatch(/^Rule 1: gate rule "figure of merit"/);
      expect(sent.length).toBe(gatesSent);
      await panel.getByLabel("New gate name").fill(gateName);
      await panel.getByLabel("New gate rules").fill("rougeL.fmeasure >= 0.1");
      await panel.getByRole("button", { name: "Evaluate" }).click();
      await expect.poll(() => errorUnder(panel.getByLabel("New gate name"))).toBe(`A gate named ${gateName} already exists`);
      expect(sent.length).toBe(gatesSent + 1);
      await evaluate(strongRun, weakRun, "Gate passed");
      await page.getByText("matched words").first().waitFor();
      await evaluate(weakRun, strongRun, "Gate failed");

      // linking a registry version to an eval run: nothing picked is refused under the field, with no request
      await page.goto(url("/demo/registry/models/tiny-gpt2/versions/1"));
      const link = page.getByRole("form", { name: "Link eval run" });
      await link.getByRole("button", { name: "Link eval run" }).click();
      await expect.poll(() => errorUnder(link.getByLabel("Eval run"))).toBe("Pick an eval run");
      expect(sent.filter((p) => p === "registry.versions.linkEvalRun")).toEqual([]);
    });
  });

  it("checks an upload and a build from logs with the server's schemas before sending; the server's answers land under their field", async () => {
    if (!app) return;
    const dataset = `forms-e2e-${uniq()}`;
    const file = (name: string, text: string) => ({ name, mimeType: "text/plain", buffer: Buffer.from(text) });
    await withPage(browser, "datasets-forms", async (page) => {
      await signIn(page);
      await page.goto(url("/demo/datasets"));
      await page.getByRole("heading", { level: 1, name: "Datasets", exact: true }).waitFor();
      const sent: string[] = [];
      page.on("request", (r) => {
        if ((r.method() === "POST" && r.url().includes("/datasets/")) || r.url().includes("datasets.buildFromLogs")) sent.push(r.url());
      });

      // a slash in the name and a .txt file: refused under their fields, nothing sent
      const upload = page.getByRole("form", { name: "Upload a version" });
      await upload.getByLabel("Dataset name").fill("team/answers");
      await upload.getByLabel("File").setInputFiles(file("rows.txt", "{}\n"));
      await upload.getByRole("button", { name: "Upload" }).click();
      await expect.poll(() => errorUnder(upload.getByLabel("Dataset name"))).toBe("Must be printable, without slashes or leading spaces");
      expect(await errorUnder(upload.getByLabel("File"))).toBe("The file name must end in .jsonl, .ndjson or .csv");
      expect(sent).toEqual([]);

      // a CSV the server cannot parse: its line and column, under File
      await upload.getByLabel("Dataset name").fill(dataset);
      await upload.getByLabel("File").setInputFiles(file("rows.csv", 'input,reference\n"hello" world,hi\n'));
      await upload.getByRole("button", { name: "Upload" }).click();
      await expect.poll(() => errorUnder(upload.getByLabel("File"))).toMatch(/^Line 2, column \d+: /);
      expect(sent).toHaveLength(1);
      await upload.getByLabel("File").setInputFiles(file("rows.jsonl", `${JSON.stringify({ input: "hi", references: ["hello"] })}\n`));
      await upload.getByRole("button", { name: "Upload" }).click();
      await upload.getByText(`Uploaded ${dataset} version 1 (1 rows)`).waitFor();

      // build from logs: a held-out share over 0.9 and a minimum without a rating name, unsent
      const build = page.getByRole("form", { name: "Build from logs" });
      const before = sent.length;
      await build.getByLabel("Dataset name").fill(dataset);
      await build.getByLabel("Held-out share").fill("0.95");
      await build.getByLabel("Minimum rating").fill("3");
      await build.getByRole("button", { name: "Build version" }).click();
      await expect
        .poll(() => errorUnder(build.getByLabel("Held-out share")))
        .toBe("The held-out share is a number from 0 to 0.9 (blank: no split)");
      expect(await errorUnder(build.getByLabel("Rating name"))).toBe("Enter the rating name the minimum applies to");
      expect(sent).toHaveLength(before);
      // valid now; no trace carries the tag, so the server's answer (about the whole filter) shows above the button
      await build.getByLabel("Held-out share").fill("");
      await build.getByLabel("Minimum rating").fill("");
      await build.getByLabel("Tags").fill(`never-logged-${uniq()}`);
      await build.getByRole("button", { name: "Build version" }).click();
      await build.getByText("No traces match the filter and rating condition").waitFor();
      expect(sent).toHaveLength(before + 1);
    });
  });
});
