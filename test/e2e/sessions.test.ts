import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";
import { httpClient } from "./http";

/**
 * Issue 19's pages in Chromium: sessions and users views, the overview's last 24 hours, a Markdown
 * model card that shows its table and list and never runs a script, and an empty project's pages
 * reading as help rather than as red error boxes.
 */
const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const { url, call, mutate: trpc } = httpClient(app);
const uniq = () => randomBytes(4).toString("hex");

const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

/** Fail the test on a console error or an uncaught page error. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return errors;
}

describe.skipIf(Boolean(skip))(`issue 19 pages in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("lists a session, shows its turns in order with ratings, and a user's traffic linking to the trace", async () => {
    if (!app) return;
    const session = `e2e-session-${uniq()}`;
    const user = `e2e-user-${uniq()}`;
    const start = Date.now() - 60_000;
    const turns = ["first question <b>bold?</b>", "second question", "third question"];
    const batch = turns.flatMap((q, i) => {
      const id = `${session}-${i}`;
      const at = new Date(start + i * 5000).toISOString();
      return [
        { type: "trace", id, body: { timestamp: at, name: "chat", sessionId: session, userId: user, input: q, output: `answer ${i + 1}` } },
        { type: "rating", body: { traceId: id, name: "e2e-thumbs", value: i !== 1 } },
      ];
    });
    // ingested newest first: the page orders by time, not by arrival
    await call("POST", "/api/v1/ingest", { batch: batch.reverse() });

    await withPage(browser, "sessions-view", async (page) => {
      const errors = watchErrors(page);
      await signIn(page);
      await page.goto(url("/demo/logs/sessions"));
      await page.getByRole("link", { name: "Sessions" }).first().waitFor();
      const row = page.getByRole("row", { name: new RegExp(session) });
      await row.waitFor();
      await expect.poll(() => row.textContent()).toContain("67% up");
      await row.getByRole("link", { name: session }).click();
      await page.waitForURL(url(`/demo/logs/sessions/${session}`));
      const items = page.getByRole("list", { name: "Session traces" }).locator("> li");
      await expect.poll(() => items.count()).toBe(3);
      const texts = await items.allTextContents();
      expect(texts.map((t) => turns.findIndex((q) => t.includes(q)))).toEqual([0, 1, 2]);
      expect(texts[1]).toContain("👎 down");
      // logged markup is text
      expect(await page.locator("b", { hasText: "bold?" }).count()).toBe(0);

      await items
        .first()
        .getByRole("link", { name: `user ${user}` })
        .click();
      await page.waitForURL(url(`/demo/logs/users/${user}`));
      await page.getByRole("table", { name: "Traffic per day" }).waitFor();
      const recent = page.getByRole("table", { name: "Recent traces" });
      await expect.poll(() => recent.locator("tbody tr").count()).toBe(3);
      await recent.locator("tbody tr").first().getByRole("link").first().click();
      await page.waitForURL(new RegExp(`/demo/logs/traces/${session}-2$`));
      expect(errors).toEqual([]);
    });
  });

  it("opens the overview with the last 24 hours, linking to each page", async () => {
    if (!app) return;
    await withPage(browser, "overview", async (page) => {
      const errors = watchErrors(page);
      await signIn(page);
      const section = page.getByRole("region", { name: "Last 24 hours" });
      await section.waitFor();
      for (const name of ["Ratings", "Aliases moved", "Drift alerts"]) await section.getByText(name, { exact: false }).first().waitFor();
      await section.getByRole("link", { name: /^Traces/ }).click();
      await page.waitForURL(url("/demo/logs"));
      expect(errors).toEqual([]);
    });
  });

  it("renders a model card's Markdown table and list, and a <script> in it as nothing", async () => {
    if (!app) return;
    const model = `card-${uniq()}`;
    await trpc("registry.models.create", { projectId: "demo", name: model });
    await trpc("registry.versions.createFromUri", { projectId: "demo", model, uri: "s3://models/card" });
    const card = [
      "# Sentiment head",
      "",
      "- **fast**: one linear layer",
      "- small",
      "",
      "| metric | value |",
      "| --- | --- |",
      "| accuracy | 0.91 |",
      "",
      "<script>window.__cardRan = true</script>",
      '<img src="x" onerror="window.__cardRan = true">',
      "",
      "[docs](https://example.com/docs) and [bad](javascript:window.__cardRan=true) and `code`",
    ].join("\n");
    await trpc("registry.versions.update", { projectId: "demo", model, version: 1, card });

    await withPage(browser, "model-card", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/registry/models/${model}/versions/1`));
      const shown = page.getByTestId("model-card");
      await shown.locator("table").waitFor();
      expect(await shown.locator("th").allTextContents()).toEqual(["metric", "value"]);
      expect(await shown.locator("td").allTextContents()).toEqual(["accuracy", "0.91"]);
      expect(await shown.locator("li").allTextContents()).toEqual(["fast: one linear layer", "small"]);
      expect(await shown.locator("li strong").textContent()).toBe("fast");
      expect(await shown.locator("script, img").count()).toBe(0);
      const docs = shown.getByRole("link", { name: "docs" });
      expect(await docs.getAttribute("href")).toBe("https://example.com/docs");
      expect(await docs.getAttribute("rel")).toBe("noopener noreferrer");
      // the javascript: link keeps its text and loses its target
      expect(await shown.locator('a[href^="javascript"]').count()).toBe(0);
      expect(await page.evaluate(() => (window as { __cardRan?: boolean }).__cardRan)).toBeUndefined();
    });
  });

  it("shows an empty project's pages as help, not as error boxes", async () => {
    if (!app) return;
    await withPage(browser, "empty-project", async (page) => {
      const errors = watchErrors(page);
      await signIn(page);
      const name = `Empty ${uniq()}`;
      await page.goto(url("/projects/new"));
      await page.getByLabel("Name").fill(name);
      await page.getByRole("button", { name: "Create project" }).click();
      const slug = name.toLowerCase().replace(/\s+/g, "-");
      await page.waitForURL(url(`/${slug}`));
      await page.getByRole("region", { name: "Last 24 hours" }).getByText("No alias moved in the last 24 hours.").waitFor();
      const pages = [
        "",
        "/logs",
        "/logs/sessions",
        "/logs/users",
        "/logs/queues",
        "/registry",
        "/registry/experiments",
        "/registry/approvals",
        "/evals",
        "/evals/compare",
        "/datasets",
        "/tuning",
        "/routing",
        "/routing/deployments",
        "/drift",
        "/jobs",
      ];
      for (const p of pages) {
        await page.goto(url(`/${slug}${p}`));
        await page.getByRole("heading").first().waitFor();
        // loaded once no part of the page is still a loading placeholder (some pages poll, so no "network idle")
        await expect.poll(() => page.getByRole("status", { name: "Loading" }).count(), { timeout: 20_000 }).toBe(0);
        // Next's route announcer is an empty alert: only alerts that say something count
        const alerts = (await page.getByRole("alert").allTextContents()).filter((t) => t.trim());
        expect(alerts, `${p || "/"} shows an error box`).toEqual([]);
      }
      await page.goto(url(`/${slug}/evals/compare`));
      await page.getByRole("heading", { name: "Pick two runs to compare" }).waitFor();
      expect(errors).toEqual([]);
    });
    // sixteen pages on a loaded CI machine
  }, 300_000);
});
