import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const uniq = () => randomBytes(5).toString("hex");
const auth = () => ({ authorization: `Bearer ${app?.key}`, "content-type": "application/json" });

/**
 * Three traces in project "demo" under a fresh tag, each with one generation of a set latency:
 * "slow" (2.5 s) holds markup in its input, "fast" (0.2 s), "mid" (1.1 s).
 */
async function ingestThree() {
  const tag = `explorer-e2e-${uniq()}`;
  const start = Date.now() - 60_000;
  const traces = [
    { key: "slow", ms: 2500, input: "Render this: <script>alert(1)</script>" },
    { key: "fast", ms: 200, input: "What do otters eat?" },
    { key: "mid", ms: 1100, input: "Where do otters live?" },
  ];
  const batch = traces.flatMap((t, i) => {
    const id = `${tag}-${t.key}`;
    const at = new Date(start + i * 1000);
    return [
      { type: "trace", id, body: { name: `${t.key}-${tag}`, timestamp: at.toISOString(), tags: [tag], input: t.input, output: "ok" } },
      {
        type: "observation",
        id: `${id}-gen`,
        body: {
          traceId: id,
          type: "generation",
          model: "m",
          startTime: at.toISOString(),
          endTime: new Date(at.getTime() + t.ms).toISOString(),
        },
      },
    ];
  });
  const res = await fetch(url("/api/v1/ingest"), { method: "POST", headers: auth(), body: JSON.stringify({ batch }) });
  expect(res.status).toBe(207);
  return { tag, id: (key: string) => `${tag}-${key}`, name: (key: string) => `${key}-${tag}` };
}

/** The demo user, landing on the demo project. */
const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

/** The trace names of the table's rows, in order. */
const rowNames = (page: Page, tag: string) =>
  page
    .getByRole("table", { name: "Traces" })
    .locator("tbody tr")
    .evaluateAll((rows, t) => rows.map((r) => (r.textContent?.match(new RegExp(`(slow|fast|mid)-${t}`)) ?? [])[1] ?? "?"), tag);

describe.skipIf(Boolean(skip))(`trace explorer in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("finds <script> by search, sorts by latency, and adds selected traces to a dataset", async () => {
    if (!app) return;
    const { tag, id, name } = await ingestThree();
    const dataset = `explorer-e2e-${uniq()}`;
    await withPage(browser, "explorer-search-sort-bulk", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/logs?tags=${tag}`));
      const table = page.getByRole("table", { name: "Traces" });
      await table.getByText(name("fast")).waitFor();
      // at 1440 px no header or cell is cut: each shows its whole content (the table scrolls inside its card if it must)
      await page.setViewportSize({ width: 1440, height: 900 });
      const clipped = await table
        .locator("th, td")
        .evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent));
      expect(clipped).toEqual([]);

      // substring search: markup the word search cannot see
      const box = page.getByLabel("Search", { exact: true });
      await box.fill("<script>");
      await box.press("Enter");
      await page.waitForURL((u) => u.searchParams.get("q") === "<script>");
      await expect.poll(() => rowNames(page, tag)).toEqual(["slow"]);
      await box.fill("");
      await box.press("Enter");
      await expect.poll(() => rowNames(page, tag)).toEqual(["mid", "fast", "slow"]);

      // sort by latency: a header button, aria-sort on its cell
      const latency = page.getByRole("columnheader", { name: /latency/i });
      await latency.getByRole("button").click();
      await expect.poll(() => latency.getAttribute("aria-sort")).toBe("descending");
      await expect.poll(() => rowNames(page, tag)).toEqual(["slow", "mid", "fast"]);
      await latency.getByRole("button").click();
      await expect.poll(() => latency.getAttribute("aria-sort")).toBe("ascending");
      await expect.poll(() => rowNames(page, tag)).toEqual(["fast", "mid", "slow"]);
      expect(page.url()).toContain("sort=latency%3Aasc");

      // select two rows, add them to a new dataset
      await page.getByLabel(`Select trace ${id("fast")}`).check();
      await page.getByLabel(`Select trace ${id("slow")}`).check();
      const bar = page.getByRole("region", { name: "Selected traces" });
      await bar.getByText("2 traces selected").waitFor();
      await bar.getByLabel("Dataset", { exact: true }).fill(dataset);
      await bar.getByRole("button", { name: "Add to dataset" }).click();
      await bar.getByRole("status").filter({ hasText: "2 traces added" }).waitFor();

      // export the selection: its ids go in a POST body (a URL holds about 200), the file holds just those two
      const [download, request] = await Promise.all([
        page.waitForEvent("download"),
        page.waitForRequest((r) => r.url().endsWith("/api/v1/projects/demo/traces/export") && r.method() === "POST"),
        bar.getByRole("button", { name: "Export CSV" }).click(),
      ]);
      expect(request.postDataJSON()).toEqual({ format: "csv", filter: { ids: [id("fast"), id("slow")] } });
      expect(download.suggestedFilename()).toMatch(/^traces-demo-.*\.csv$/);
      const lines = fs
        .readFileSync(await download.path(), "utf8")
        .split(/\r?\n/)
        .filter(Boolean);
      expect(lines[0]?.startsWith("id,timestamp,name,model")).toBe(true);
      expect(
        lines
          .slice(1)
          .map((l) => l.split(",")[0])
          .sort(),
      ).toEqual([id("fast"), id("slow")].sort());
    });
    // the version holds the selected traces, in the order they were picked
    const res = await fetch(url(`/api/v1/projects/demo/datasets/${dataset}/versions/1/download`), { headers: auth() });
    expect(res.status).toBe(200);
    const rows = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.metadata.traceId)).toEqual([id("fast"), id("slow")]);
  });
});
