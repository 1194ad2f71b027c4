import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const uniq = () => randomBytes(5).toString("hex");

/**
 * Traces with one generation each in project "demo", all carrying `tag` and all at one instant
 * (so they share a bucket): `counts[model]` traces per model.
 */
async function ingest(tag: string, counts: Record<string, number>) {
  const start = new Date(Date.now() - 5000);
  const batch = Object.entries(counts).flatMap(([model, n]) =>
    Array.from({ length: n }, () => {
      const traceId = `charts-e2e-${uniq()}`;
      return [
        { type: "trace", id: traceId, body: { name: `charts-${model}`, timestamp: start.toISOString(), tags: [tag] } },
        {
          type: "observation",
          id: `${traceId}-gen`,
          body: {
            traceId,
            type: "generation",
            name: "llm",
            model,
            startTime: start.toISOString(),
            endTime: new Date(start.getTime() + 400).toISOString(),
            usage: { input: 30, output: 10 },
          },
        },
      ];
    }).flat(),
  );
  const res = await fetch(url("/api/v1/ingest"), {
    method: "POST",
    headers: { authorization: `Bearer ${app?.key}`, "content-type": "application/json" },
    body: JSON.stringify({ batch }),
  });
  expect(res.status).toBe(207);
  expect((await res.json()).results.every((r: { status: number }) => r.status === 201)).toBe(true);
}

/** The demo user, landing on the demo project. */
const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

describe.skipIf(Boolean(skip))(`logs charts and export in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("charts the tagged traces, in total and per model, and exports them as CSV", async () => {
    if (!app) return;
    const tag = `charts-${uniq()}`;
    const modelA = `e2e-chart-a-${uniq()}`;
    const modelB = `e2e-chart-b-${uniq()}`;
    await ingest(tag, { [modelA]: 2, [modelB]: 1 });

    await withPage(browser, "logs-charts", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/logs/charts?tags=${tag}`));
      const nav = page.getByRole("navigation", { name: "Logs sections" });
      expect(await nav.getByRole("link", { name: "Charts", exact: true }).getAttribute("aria-current")).toBe("page");

      // totals over the filter, then the Volume chart's data as a table
      const traces = page
        .getByRole("region", { name: "Totals" })
        .locator("div")
        .filter({ has: page.locator("dt", { hasText: /^Traces$/ }) })
        .locator("dd");
      await expect.poll(() => traces.textContent()).toBe("3");
      const volume = page.getByRole("region", { name: "Volume", exact: true });
      await volume.getByRole("slider", { name: "Volume chart" }).waitFor();
      await volume.getByRole("button", { name: "Show as table" }).click();
      const table = volume.getByRole("table", { name: "Volume data" });
      const cells = await table.locator("tbody tr td:nth-child(2)").allTextContents();
      expect(cells.reduce((sum, c) => sum + Number(c), 0)).toBe(3);

      // per model: both models in the legend, the busier one with 2 traces
      await page.getByLabel("Per model").click();
      await page.waitForURL((u) => u.searchParams.get("byModel") === "1" && u.searchParams.get("tags") === tag);
      const legend = volume.getByRole("list", { name: "Legend" });
      await legend.getByText(modelA).waitFor();
      await legend.getByText(modelB).waitFor();
      await volume.getByRole("columnheader", { name: modelB }).waitFor();
      const perModel = await table.locator("tbody tr td:nth-child(2)").allTextContents();
      expect(perModel.reduce((sum, c) => sum + Number(c), 0)).toBe(2);

      // the Traces tab keeps the filter; the explorer exports what it shows
      await nav.getByRole("link", { name: "Traces", exact: true }).click();
      await page.waitForURL((u) => u.pathname === "/demo/logs" && u.searchParams.get("tags") === tag);
      await page.getByRole("table", { name: "Traces" }).getByText(`charts-${modelB}`).waitFor();
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
      expect(download.suggestedFilename()).toMatch(/^traces-demo-.*\.csv$/);
      const file = await download.path();
      const lines = fs.readFileSync(file, "utf8").split(/\r?\n/).filter(Boolean);
      expect(lines[0]?.startsWith("id,timestamp,name,model")).toBe(true);
      expect(lines).toHaveLength(1 + 3);
      expect(lines.filter((l) => l.includes(modelA))).toHaveLength(2);
      expect(lines.filter((l) => l.includes(tag))).toHaveLength(3);
    });
  });
});
