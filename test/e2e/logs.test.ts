import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKeelClient } from "../../sdk/index";
import { errorUnder, launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const uniq = () => randomBytes(5).toString("hex");

/** One chat trace with a generation in project "demo", logged the way an app does: with the SDK client. */
async function ingestChat(word: string) {
  const errors: unknown[] = [];
  const keel = createKeelClient({ baseUrl: url(""), apiKey: app?.key ?? "", onError: (e) => errors.push(e) });
  const traceId = `logs-e2e-${uniq()}`;
  const name = `logs-e2e-${uniq()}`;
  const start = new Date(Date.now() - 3000);
  const question = `Tell me one fact about the ${word}.`;
  const answer = "It eats ants and termites.";
  const trace = keel.trace({
    id: traceId,
    name,
    timestamp: start.toISOString(),
    userId: "e2e-user",
    tags: ["e2e"],
    input: [
      { role: "system", content: "You are a zoologist." },
      { role: "user", content: question },
    ],
  });
  const gen = trace.generation({
    name: "llm",
    model: "gpt-4o-mini",
    startTime: start.toISOString(),
    completionStartTime: new Date(start.getTime() + 200).toISOString(),
    input: [{ role: "user", content: question }],
  });
  gen.end({ endTime: new Date(start.getTime() + 900).toISOString(), output: answer, usage: { input: 42, output: 7 } });
  trace.update({ output: { role: "assistant", content: answer } });
  await keel.shutdown();
  expect(errors).toEqual([]);
  return { traceId, name, answer };
}

/** The demo user, landing on the demo project. */
const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

async function search(page: Page, text: string) {
  const box = page.getByLabel("Search", { exact: true });
  await box.fill(text);
  await box.press("Enter");
  await page.waitForURL((u) => u.searchParams.get("q") === text);
}

describe.skipIf(Boolean(skip))(`logs explorer and trace page in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("finds a logged call by a word in its input, opens it, and rates it from the keyboard and the form", async () => {
    if (!app) return;
    const word = `aardvark${uniq()}`;
    const { traceId, name, answer } = await ingestChat(word);
    await withPage(browser, "logs-search-and-rate", async (page) => {
      await signIn(page);
      await page.goto(url("/demo/logs"));
      await search(page, word);
      const table = page.getByRole("table", { name: "Traces" });
      await table.getByText(name).click();
      await page.waitForURL(url(`/demo/logs/traces/${traceId}`));

      // header, conversation, timeline
      await page.getByRole("heading", { name }).waitFor();
      await page.getByRole("list", { name: "Output messages" }).getByText(answer).waitFor();
      await page.getByRole("button", { name: /generation\s*llm/ }).click();
      expect(await page.getByText("Time to first token").count()).toBe(1);

      // "y" is thumbs up while focus is outside text fields; Enter saves
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      // the keys drive the first boolean config (or a default "user-feedback"): other tests may add configs to "demo"
      const thumbs = page.locator('[data-shortcut="thumbs"]');
      await page.keyboard.press("y");
      await expect.poll(() => thumbs.getByRole("button", { name: "Thumbs up" }).getAttribute("aria-pressed")).toBe("true");
      await page.keyboard.press("Enter");
      const ratings = page.getByRole("table", { name: "Ratings" });
      await ratings.getByText("Thumbs up").waitFor();
      expect(await ratings.getByText(app.email).count()).toBe(1);

      // the form: thumbs down with a comment, saved with Enter in the comment box
      await thumbs.getByRole("button", { name: "Thumbs down" }).click();
      await page.getByLabel("Comment").fill("Too terse");
      await page.getByLabel("Comment").press("Enter");
      await ratings.getByText("Too terse").waitFor();
      expect(await ratings.getByText(app.email).count()).toBe(2);
      expect(await ratings.getByText("Thumbs down").count()).toBe(1);

      // back in the explorer the row shows that score in its own column: one of two thumbs up (a boolean
      // config's "50% yes", or the default user-feedback's numeric mean when the project has none)
      await page.getByRole("link", { name: "All traces" }).click();
      await search(page, word);
      await table.getByText(/^(50% yes|0\.5) \(2\)$/).waitFor();
    });
  });

  it("shows the empty result for a search that matches nothing, keeps filters in the URL, and clears them", async () => {
    if (!app) return;
    const word = `aardvark${uniq()}`;
    const { name } = await ingestChat(word);
    await withPage(browser, "logs-empty-search", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/logs?q=${word}&status=ok`));
      await page.getByRole("table", { name: "Traces" }).getByText(name).waitFor();
      expect(await page.getByRole("form", { name: "Trace filters" }).getByLabel("Status", { exact: true }).inputValue()).toBe("ok");

      await search(page, `zzqx${uniq()}nonsense`);
      await page.getByText("No traces match these filters").waitFor();
      expect(new URL(page.url()).searchParams.get("status")).toBe("ok");

      await page.goBack();
      await page.getByRole("table", { name: "Traces" }).getByText(name).waitFor();
      expect(await page.getByLabel("Search", { exact: true }).inputValue()).toBe(word);

      await page.getByRole("button", { name: "Clear all" }).click();
      await page.waitForURL(url("/demo/logs"));
    });
  });

  it("remembers hidden columns in the browser and saved views on the server", async () => {
    if (!app) return;
    const word = `aardvark${uniq()}`;
    await ingestChat(word);
    await withPage(browser, "logs-columns-views", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/logs?q=${word}`));
      const table = page.getByRole("table", { name: "Traces" });
      await table.getByRole("columnheader", { name: "Model" }).waitFor();
      await page.locator("summary", { hasText: "Columns" }).click();
      await page.getByRole("checkbox", { name: "Model" }).uncheck();
      await page.reload();
      await table.getByRole("columnheader", { name: "Latency" }).waitFor();
      expect(await table.getByRole("columnheader", { name: "Model" }).count()).toBe(0);

      await page.getByRole("button", { name: "Save view" }).click();
      await page.getByLabel("View name").fill("aardvarks");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.goto(url("/demo/logs"));
      await page.getByLabel("Saved views").selectOption("aardvarks");
      await page.waitForURL((u) => u.searchParams.get("q") === word);
    });
  });

  it("creates a numeric score config in Logs settings and rates with a digit key", async () => {
    if (!app) return;
    const config = `e2e-quality-${uniq()}`;
    const { traceId } = await ingestChat(`aardvark${uniq()}`);
    await withPage(browser, "logs-settings-config", async (page) => {
      await signIn(page);
      await page.goto(url("/demo/logs"));
      await page.getByRole("link", { name: "Logs settings" }).click();
      await page.waitForURL(url("/demo/logs/settings"));
      const creates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("logs.scoreConfigs.create")) creates.push(r.url());
      });
      // the server's rules, checked in the browser before any request: a name, max above min
      await page.getByLabel("Type").selectOption("numeric");
      await page.getByLabel("Min").fill("5");
      await page.getByLabel("Max").fill("1");
      await page.getByRole("button", { name: "Create config" }).click();
      await expect.poll(() => errorUnder(page.getByLabel("Config name"))).toBe("Enter a config name");
      expect(await errorUnder(page.getByLabel("Max"))).toBe("Max must be greater than min");
      expect(creates).toEqual([]);
      await page.getByLabel("Config name").fill(config);
      await page.getByLabel("Min").fill("1");
      await page.getByLabel("Max").fill("5");
      await page.getByRole("button", { name: "Create config" }).click();
      await page.getByRole("table", { name: "Score configs" }).getByText(config).waitFor();

      await page.goto(url(`/demo/logs/traces/${traceId}`));
      await page.getByLabel(config).fill("4");
      await page.getByLabel(config).press("Enter");
      const row = page.getByRole("table", { name: "Ratings" }).getByRole("row", { name: new RegExp(config) });
      await row.waitFor();
      expect(await row.getByRole("cell").nth(1).textContent()).toBe("4");

      // digits drive the first numeric or categorical config (ours, or one another test made earlier)
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press("1");
      const digits = page.locator('[data-shortcut="digits"]');
      if ((await digits.locator("input").count()) > 0) expect(await digits.locator("input").inputValue()).toBe("1");
      else expect(await digits.getByRole("button", { pressed: true }).count()).toBe(1);

      // archived configs leave the form
      await page.goto(url("/demo/logs/settings"));
      await page
        .getByRole("row", { name: new RegExp(config) })
        .getByRole("button", { name: "Archive" })
        .click();
      await page.getByRole("table", { name: "Score configs" }).getByText(config).waitFor({ state: "detached" });
    });
  });
  it("checks prices, the cost recompute and the redaction settings in the browser, and shows the server's refusals under their field", async () => {
    if (!app) return;
    await withPage(browser, "logs-settings-forms", async (page) => {
      await signIn(page);
      await page.goto(url("/demo/logs/settings"));
      const sent: string[] = [];
      page.on("request", (r) => {
        for (const p of ["logs.prices.upsert", "logs.prices.recompute", "logs.settings.update"]) if (r.url().includes(p)) sent.push(p);
      });

      // a price: no match and a price that is no number are refused under their fields, with no request
      const price = page.getByRole("form", { name: "Add or update a price" });
      await price.getByLabel("Input USD per 1M tokens").fill("cheap");
      await price.getByLabel("Output USD per 1M tokens").fill("0.6");
      await price.getByRole("button", { name: "Save price" }).click();
      await expect.poll(() => errorUnder(price.getByLabel("Model match"))).toBe("Enter a model name or a /pattern/");
      expect(await errorUnder(price.getByLabel("Input USD per 1M tokens"))).toBe("Enter a price ≥ 0");
      expect(sent).toEqual([]);
      // a pattern that does not compile is the server's to refuse: its 400 lands under the match
      await price.getByLabel("Model match").fill("/e2e-(/");
      await price.getByLabel("Input USD per 1M tokens").fill("0.15");
      await price.getByRole("button", { name: "Save price" }).click();
      await expect.poll(() => errorUnder(price.getByLabel("Model match"))).toContain("is not a valid regular expression");
      expect(sent).toEqual(["logs.prices.upsert"]);

      // a recompute range that ends before it starts: refused under the end, no request
      const recompute = page.getByRole("form", { name: "Recompute costs" });
      await recompute.getByLabel("From").fill("2026-02-02T00:00");
      await recompute.getByLabel("To (exclusive)").fill("2026-02-01T00:00");
      await recompute.getByRole("button", { name: "Recompute" }).click();
      await expect.poll(() => errorUnder(recompute.getByLabel("To (exclusive)"))).toBe("Enter an end after the start");
      expect(sent).toEqual(["logs.prices.upsert"]);

      // redaction and retention: a bad rule name and 0 days are refused in the browser ...
      const policy = page.getByRole("form", { name: "Redaction and retention" });
      await policy.getByRole("button", { name: "Add rule" }).click();
      await policy.getByLabel("Rule 1 Name").fill("Order ID");
      await policy.getByLabel("Rule 1 Pattern").fill("a*");
      await policy.getByLabel("Retention days").fill("0");
      await policy.getByRole("button", { name: "Save settings" }).click();
      await expect.poll(() => errorUnder(policy.getByLabel("Rule 1 Name"))).toMatch(/^A rule name is 1-40 characters/);
      expect(await errorUnder(policy.getByLabel("Retention days"))).toBe("Retention is a whole number of days from 1 to 3650");
      expect(sent).toEqual(["logs.prices.upsert"]);
      // ... and a pattern that matches nothing at all is the server's 400, under that rule's pattern (nothing saved)
      await policy.getByLabel("Rule 1 Name").fill(`e2e-${uniq()}`);
      await policy.getByLabel("Keep forever").check();
      await policy.getByRole("button", { name: "Save settings" }).click();
      await expect.poll(() => errorUnder(policy.getByLabel("Rule 1 Pattern"))).toContain("matches the empty string");
      expect(sent).toEqual(["logs.prices.upsert", "logs.settings.update"]);
    });
  });
});
