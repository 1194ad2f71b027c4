import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";
import { httpClient } from "./http";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const { url, query: trpcGet, mutate: trpc } = httpClient(app);
const uniq = () => randomBytes(5).toString("hex");

/**
 * Traces with one generation each in project "demo", all carrying `tag` and all at one instant
 * (so they share a bucket): `counts[model]` traces per model; `rate(i)` gives the i-th trace's ratings.
 */
async function ingest(tag: string, counts: Record<string, number>, rate: (i: number) => { name: string; value: unknown }[] = () => []) {
  const start = new Date(Date.now() - 5000);
  let seq = 0;
  const batch = Object.entries(counts).flatMap(([model, n]) =>
    Array.from({ length: n }, () => {
      const traceId = `charts-e2e-${uniq()}`;
      const ratings = rate(seq++).map((r) => ({ type: "rating", body: { traceId, ...r } }));
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
            // a cost small enough that its axis labels carry several decimals
            cost: 0.00125,
          },
        },
        ...ratings,
      ];
    }).flat(),
  );
  const res = await fetch(url("/api/v1/ingest"), {
    method: "POST",
    headers: { authorization: `Bearer ${app?.key}`, "content-type": "application/json" },
    body: JSON.stringify({ batch }),
  });
  expect(res.status).toBe(207);
  const results = (await res.json()).results as { status: number; error?: string }[];
  expect(results.filter((r) => r.status !== 201)).toEqual([]);
}

/** Every tick label of the chart's svg lies inside the svg (none clipped at an edge). */
async function ticksInside(chart: ReturnType<Page["getByRole"]>) {
  const svg = chart.locator("svg.recharts-surface").first();
  await svg.locator(".recharts-cartesian-axis-tick-value").first().waitFor();
  return svg.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const ticks = [...el.querySelectorAll(".recharts-cartesian-axis-tick-value")].map((t) => ({
      text: t.textContent,
      r: t.getBoundingClientRect(),
    }));
    return {
      count: ticks.length,
      outside: ticks
        .filter(({ r }) => r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        .map((t) => t.text),
    };
  });
}

/** The demo user, landing on the demo project. */
const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

describe.skipIf(Boolean(skip))(`logs charts (per score) and export in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("charts the tagged traces in total, per model and per score name, with whole axis labels, and exports them as CSV", async () => {
    if (!app) return;
    const tag = `charts-${uniq()}`;
    const modelA = `e2e-chart-a-${uniq()}`;
    const modelB = `e2e-chart-b-${uniq()}`;
    // three kinds of score on the three traces: thumbs (boolean), a 1-5 score and labels
    const scores = { thumbs: `thumbs-${uniq()}`, stars: `stars-${uniq()}`, tone: `tone-${uniq()}` };
    const { id: projectId } = await trpcGet("workspace.projects.get", { projectId: "demo" });
    await trpc("logs.scoreConfigs.create", { projectId, name: scores.thumbs, dataType: "boolean" });
    await trpc("logs.scoreConfigs.create", { projectId, name: scores.stars, dataType: "numeric", min: 1, max: 5 });
    await trpc("logs.scoreConfigs.create", {
      projectId,
      name: scores.tone,
      dataType: "categorical",
      categories: [
        { label: "formal", value: 1 },
        { label: "casual", value: 2 },
      ],
    });
    await ingest(tag, { [modelA]: 2, [modelB]: 1 }, (i) => [
      { name: scores.thumbs, value: i !== 1 },
      { name: scores.stars, value: [5, 1, 3][i] },
      { name: scores.tone, value: i === 0 ? "formal" : "casual" },
    ]);

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
      const volume = page.getByRole("figure", { name: "Volume", exact: true });
      await volume.getByRole("img", { name: /^Volume: / }).waitFor();
      await volume.getByRole("button", { name: "Show as table" }).click();
      const table = volume.getByRole("table", { name: "Volume" });
      const cells = await table.locator("tbody tr td:nth-child(2)").allTextContents();
      expect(cells.reduce((sum, c) => sum + Number(c), 0)).toBe(3);

      // the cost axis: every tick label whole inside the chart, none cut at the left edge
      const cost = page.getByRole("figure", { name: "Cost", exact: true });
      const costTicks = await ticksInside(cost);
      expect(costTicks.count).toBeGreaterThan(2);
      expect(costTicks.outside).toEqual([]);
      expect(await cost.locator(".recharts-label").allTextContents()).toContain("cost (USD)");

      // a chart per score name, each with its own values: thumbs as a share, a 1-5 score as a mean, labels as counts
      const thumbs = page.getByRole("figure", { name: `Rating: ${scores.thumbs}`, exact: true });
      const stars = page.getByRole("figure", { name: `Rating: ${scores.stars}`, exact: true });
      for (const chart of [thumbs, stars]) expect((await ticksInside(chart)).outside).toEqual([]);
      await thumbs.getByRole("button", { name: "Show as table" }).click();
      await expect.poll(() => thumbs.getByRole("table").locator("tbody tr td:nth-child(2)").allTextContents()).toEqual(["66.7%"]);
      await stars.getByRole("button", { name: "Show as table" }).click();
      expect(await stars.getByRole("table").locator("tbody tr td:nth-child(2)").allTextContents()).toEqual(["3.00"]);
      expect(await stars.getByText("on its 1 to 5 scale").count()).toBe(1);
      const tone = page.getByRole("figure", { name: `Rating: ${scores.tone}`, exact: true });
      await tone.getByRole("button", { name: "Show as table" }).click();
      const toneTable = tone.getByRole("table");
      // all time: day buckets, a column per label of the config
      expect(await toneTable.locator("thead th").allTextContents()).toEqual(["Day", "formal", "casual"]);
      expect(await toneTable.locator("tbody tr td").allTextContents()).toEqual([expect.any(String), "1", "2"]);
      expect(await page.getByRole("figure", { name: /Mean rating/ }).count()).toBe(0);

      // per model: both models in the legend, the busier one with 2 traces
      await page.getByLabel("Per model").click();
      await page.waitForURL((u) => u.searchParams.get("byModel") === "1" && u.searchParams.get("tags") === tag);
      // (the Volume chart shows its table now; the Cost chart its legend)
      const legend = cost.getByRole("list", { name: "Legend" });
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
