import { randomBytes } from "node:crypto";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKeelClient } from "../../sdk/index";
import { errorUnder, launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const uniq = () => randomBytes(4).toString("hex");

/**
 * Issue 20's "done when", in Chromium against `keel start` (web and a worker): a prompt with two
 * versions made in the console, fetched by label with the SDK, called through the gateway with
 * prompt_id on the demo's local tiny-gpt2 deployment, its traces per version in the console (the
 * prompt page's usage table, the explorer filtered by version, the trace's prompt link), the two
 * versions compared by eval runs started from the console, and `production` moved through a gate:
 * refused (412, shown as blocked by the gate) for the version whose run fails it, moved for the other.
 */

/** Rows whose answers tiny-gpt2 gives in a few tokens on CPU; prompt-runs.test.ts uses the same. */
const ROWS = [
  { input: { question: "Hello, my name is", who: "Ann" }, references: ["Ann"] },
  { input: { question: "The weather today", who: "Bob" }, references: ["is fine"] },
  { input: { question: "Once upon a time", who: "Cy" }, references: ["there was"] },
];

async function uploadDataset(name: string): Promise<void> {
  const res = await fetch(url(`/api/v1/projects/demo/datasets/${name}/versions?format=jsonl`), {
    method: "POST",
    headers: { authorization: `Bearer ${app?.key}` },
    body: ROWS.map((r) => JSON.stringify(r)).join("\n"),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** A gateway call with the prompt's fields (LiteLLM's names); answers the body. */
async function gateway(fields: Record<string, unknown>) {
  const res = await fetch(url("/api/v1/chat/completions"), {
    method: "POST",
    headers: { authorization: `Bearer ${app?.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "tiny-gpt2", temperature: 0, ...fields }),
  });
  const body = await res.json();
  return { status: res.status, body };
}

async function choose(select: Locator, label: string) {
  await expect.poll(() => select.locator("option", { hasText: label }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
  await select.selectOption({ label });
}

describe.skipIf(Boolean(skip))(`prompts in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("creates two versions, fetches by label, calls the gateway, sees traces per version, compares by eval runs and gates production", async () => {
    if (!app) return;
    const name = `qa-${uniq()}`;
    const dataset = `prompt-rows-${uniq()}`;
    const gateName = `wordy ${uniq()}`;
    const runs = { v1: `qa v1 ${uniq()}`, v2: `qa v2 ${uniq()}` };
    await uploadDataset(dataset);

    await withPage(browser, "prompts", async (page: Page) => {
      await signInAs(page, app.url, app.email, app.password, "/demo");

      // 1. a new prompt in the console: the server's schema refuses what is wrong, under its field, before any request
      await page.goto(url("/demo/registry/prompts"));
      await page.getByRole("heading", { level: 1, name: "Prompts", exact: true }).waitFor();
      const sent: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("registry.prompts.create")) sent.push("create");
      });
      const create = page.getByRole("form", { name: "New prompt" });
      await create.getByLabel("Prompt name").fill(name);
      await create.getByLabel("Config (JSON)").fill("{temperature: 0}");
      await create.getByLabel("Labels").fill("staging, latest");
      await create.getByRole("button", { name: "Create prompt" }).click();
      await expect.poll(() => errorUnder(create.getByLabel("Prompt text"))).toBe("The prompt is empty");
      expect(await errorUnder(create.getByLabel("Config (JSON)"))).toMatch(/^Config is a JSON object/);
      expect(await errorUnder(create.getByLabel("Labels"))).toBe("Latest: latest is the newest version's label; it cannot be set");
      expect(sent).toEqual([]);
      // v1: text, six tokens an answer, labelled staging
      await create.getByLabel("Prompt text").fill("Question: {{question}}");
      await create.getByLabel("Config (JSON)").fill('{"max_tokens": 6, "temperature": 0}');
      await create.getByLabel("Labels").fill("staging");
      await create.getByRole("button", { name: "Create prompt" }).click();
      await create.getByText(`Created ${name} version 1 (@staging).`).waitFor();
      await page.getByRole("table", { name: "Prompts" }).getByRole("link", { name, exact: true }).click();
      await page.getByRole("heading", { level: 1, name }).waitFor();
      // the prompt's tags, edited inline (no new version); a bad one is the server's 400, shown under the field
      await page.getByRole("button", { name: "Edit tags" }).click();
      await page.getByLabel("Tags", { exact: true }).fill(`support ${"x".repeat(65)}`);
      await page.getByRole("button", { name: "Save tags" }).click();
      await expect.poll(() => errorUnder(page.getByLabel("Tags", { exact: true }))).toMatch(/must be 1 to 64 characters/);
      await page.getByLabel("Tags", { exact: true }).fill("support, faq");
      await page.getByRole("button", { name: "Save tags" }).click();
      await page.getByRole("button", { name: "Edit tags" }).waitFor();
      await page.getByText("faq", { exact: true }).waitFor();

      // 2. v2 on the prompt's page: chat messages, one token an answer
      const next = page.getByRole("form", { name: "New prompt version" });
      await next.getByLabel("Type").selectOption({ label: "Chat messages" });
      await next.getByLabel("Message 1 role").selectOption("system");
      await next.getByLabel("Message 1 content").fill("Answer {{who}} briefly.");
      await next.getByRole("button", { name: "Add message" }).click();
      await next.getByLabel("Message 2 content").fill("{{question}}");
      await next.getByLabel("Config (JSON)").fill('{"max_tokens": 1}');
      await next.getByLabel("Commit message").fill("chat form");
      await next.getByRole("button", { name: "Create version" }).click();
      await next.getByText(`Created ${name} version 2.`).waitFor();
      const versions = page.getByRole("table", { name: "Prompt versions" });
      await versions.getByRole("cell", { name: "v2", exact: true }).waitFor();
      await versions.getByRole("cell", { name: "chat form", exact: true }).waitFor();
      await versions.getByRole("cell", { name: app.email, exact: true }).first().waitFor();
      // v1 shown: its text and config
      await page.getByRole("button", { name: "Show version 1" }).click();
      await page.getByRole("region", { name: "Version 1", exact: true }).getByText("Question: {{question}}", { exact: true }).waitFor();

      // the diff of v1 and v2: the text against the first message, and the config
      const diff = page.getByRole("region", { name: "Diff of version 1 and version 2" });
      await diff.getByRole("region", { name: "Diff: Text → Message 1 (system)" }).getByText("Answer {{who}} briefly.").waitFor();
      const config = diff.getByRole("region", { name: "Diff: Config" });
      await config.getByText('"max_tokens": 1').waitFor();
      await config.getByText('"temperature": 0').waitFor();

      // 3. the SDK fetches by label: staging is v1, latest v2
      const keel = createKeelClient({ baseUrl: url(""), apiKey: app.key });
      const staging = await keel.prompts.get(name, { label: "staging", cacheTtlSeconds: 0 });
      expect(staging).toMatchObject({ name, version: 1, type: "text", config: { max_tokens: 6, temperature: 0 } });
      expect(staging.type === "text" && staging.compile({ question: "Hi" })).toBe("Question: Hi");
      const latest = await keel.prompts.get(name, { label: "latest", cacheTtlSeconds: 0 });
      expect(latest).toMatchObject({ version: 2, type: "chat" });

      // 4. the gateway with prompt_id: two calls by label (v1), one by version (v2); each trace records its version
      for (const question of ["Hello, my name is", "Once upon a time"]) {
        const r = await gateway({ prompt_id: name, prompt_label: "staging", prompt_variables: { question } });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      }
      const r2 = await gateway({ prompt_id: name, prompt_version: 2, prompt_variables: { who: "Ann", question: "Hi" } });
      expect(r2.status, JSON.stringify(r2.body)).toBe(200);
      const missing = await gateway({ prompt_id: name, prompt_version: 2, prompt_variables: { question: "Hi" } });
      expect(missing.status).toBe(400);

      // 5. traces per version: the prompt page's usage table (traces are written in batches: reloaded until they show)
      const usage = page.getByRole("table", { name: "Usage per version" });
      const callsOf = (v: number) => usage.getByRole("row").filter({ has: page.getByRole("cell", { name: `v${v}`, exact: true }) });
      await expect
        .poll(
          async () => {
            await page.reload();
            await usage.waitFor();
            return [await callsOf(1).getByRole("cell").nth(1).textContent(), await callsOf(2).getByRole("cell").nth(1).textContent()];
          },
          { timeout: 30_000 },
        )
        .toEqual(["2", "1"]);
      // the explorer filtered by v1: its two calls, the chip naming the version
      await page.getByRole("link", { name: "Traces of version 1" }).click();
      await page.waitForURL(/\/demo\/logs\?promptVersion=[0-9a-f-]{36}$/);
      await page
        .getByRole("list", { name: "Active filters" })
        .getByRole("button", { name: `Remove filter prompt: ${name} v1` })
        .waitFor();
      const traces = page.getByRole("table", { name: "Traces" });
      await expect.poll(() => traces.locator("tbody tr").count()).toBe(2);
      // the filter's select (More filters, open while one of them is set) names it too, and picks v2 at once
      const pick = page.getByLabel("Prompt version");
      expect(await pick.locator("option:checked").textContent()).toBe(`${name} v1`);
      await pick.selectOption({ label: `${name} v2` });
      await page.getByRole("button", { name: `Remove filter prompt: ${name} v2` }).waitFor();
      await expect.poll(() => traces.locator("tbody tr").count()).toBe(1);
      // the trace names its prompt version and links to the prompt
      await traces.locator("tbody tr").first().getByRole("link").first().click();
      await page.waitForURL(/\/demo\/logs\/traces\//);
      const promptLink = page.getByRole("link", { name: `${name} v2`, exact: true });
      await promptLink.waitFor();
      await promptLink.click();
      await page.getByRole("heading", { level: 1, name }).waitFor();

      // 6. a gate, then an eval run of each version from the console, compared
      await page.goto(url("/demo/evals"));
      const gateForm = page.getByRole("form", { name: "New gate" });
      await gateForm.getByLabel("Gate name").fill(gateName);
      await gateForm.getByLabel("Rules").fill("regex.multiword >= 0.5");
      await gateForm.getByRole("button", { name: "Create gate" }).click();
      await page.getByRole("table", { name: "Gates" }).getByRole("cell", { name: gateName, exact: true }).waitFor();
      const runOf = async (runName: string, ref: string) => {
        await page.goto(url("/demo/evals/new"));
        const form = page.getByRole("form", { name: "New run" });
        await form.getByLabel("Run name").fill(runName);
        await form.getByLabel("Target", { exact: true }).selectOption({ label: "A deployment's answers" });
        await choose(form.getByLabel("Deployment", { exact: true }), "tiny-gpt2");
        await form.getByLabel("Template from").selectOption({ label: "A registry prompt" });
        await choose(form.getByLabel("Prompt", { exact: true }), name);
        await choose(form.getByLabel("Prompt label or version"), ref);
        await form.getByLabel("Temperature").fill("0");
        await choose(form.getByLabel("Dataset version"), `${dataset} v1`);
        for (const m of ["BLEU", "chrF"]) await form.getByLabel(m, { exact: true }).uncheck();
        await form.getByLabel("Scorer kind").selectOption({ label: "Regex match" });
        await form.getByRole("button", { name: "Add scorer" }).click();
        const scorer = form.getByRole("group", { name: "Scorer 1" });
        await scorer.getByLabel("Scorer name").fill("multiword");
        // a GPT-2 token never holds a space between two other characters: a one-token answer never matches
        await scorer.getByLabel("Pattern").fill("\\S\\s+\\S");
        await form.getByRole("button", { name: "Start run" }).click();
        await page.waitForURL(/\/demo\/evals\/runs\/[0-9a-f-]{36}$/);
        await page.getByRole("heading", { level: 1, name: runName }).waitFor();
        await page.getByText("succeeded", { exact: true }).waitFor({ timeout: 120_000 });
      };
      await runOf(runs.v1, "staging (v1)");
      // the run names the version it used, linking to the prompt
      await page.getByRole("link", { name: `${name} v1`, exact: true }).waitFor();
      await page.getByText("(@staging when the run started)").waitFor();
      await runOf(runs.v2, "version 2");
      await page.getByRole("link", { name: `${name} v2`, exact: true }).waitFor();

      await page.goto(url("/demo/evals"));
      const compare = page.getByRole("form", { name: "Compare runs" });
      await choose(compare.getByLabel("Run A"), runs.v1);
      await choose(compare.getByLabel("Run B"), runs.v2);
      await compare.getByRole("button", { name: "Compare" }).click();
      await page.waitForURL(/\/demo\/evals\/compare\?a=/);
      await page
        .getByRole("table", { name: "Comparison figures" })
        .getByRole("cell", { name: /regex\.multiword/ })
        .waitFor();

      // 7. production guarded by the gate (no votes), on the prompt's page
      await page.goto(url(`/demo/registry/prompts/${encodeURIComponent(name)}`));
      await page.getByRole("heading", { level: 1, name }).waitFor();
      const policy = page.getByRole("form", { name: "Approval policy" });
      await policy.getByLabel("Guarded aliases").fill("production");
      await policy.getByLabel("Required approvals").fill("0");
      await policy.getByLabel("Owner", { exact: true }).check();
      await policy.getByLabel(gateName, { exact: true }).check();
      await policy.getByRole("button", { name: "Save policy" }).click();
      await policy.getByText("Moves of the guarded aliases pass the gates", { exact: false }).waitFor();

      // v2's run scored no multi-word answer: the gate refuses the move (412), shown with the gate's result
      const move = page.getByRole("form", { name: "Move label" });
      const moveTo = async (version: number) => {
        await move.getByLabel("Label", { exact: true }).fill("production");
        const select = move.getByLabel("Version");
        await expect.poll(() => select.locator(`option[value="${version}"]`).count()).toBe(1);
        await select.selectOption(String(version));
        await move.getByLabel("Reason").fill(`promote v${version}`);
        await move.getByRole("button", { name: "Move label" }).click();
      };
      await moveTo(2);
      const blocked = move.getByRole("alert").filter({ hasText: "Blocked by gates" });
      await blocked.waitFor();
      await blocked.getByText(new RegExp(`Moving production to version 2 is blocked: gate ${gateName}`)).waitFor();
      // v1's run clears it: production moves to v1
      await moveTo(1);
      await move.getByText("Moved @production to v1.").waitFor();
      await page.getByRole("table", { name: "Labels" }).getByRole("cell", { name: "@production", exact: true }).waitFor();
      await page.getByRole("table", { name: "Alias history" }).getByText("promote v1").waitFor();
    });

    // the SDK sees the move: production is v1
    const keel = createKeelClient({ baseUrl: url(""), apiKey: app.key });
    expect(await keel.prompts.get(name, { cacheTtlSeconds: 0 })).toMatchObject({
      version: 1,
      labels: expect.arrayContaining(["production", "staging"]),
    });
  });
});
