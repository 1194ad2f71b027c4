import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/** The operations of the served document: what the page must list, one row each. */
async function operationsInDocument(): Promise<number> {
  const res = await fetch(url("/api/v1/openapi.json"));
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).filter((k) => HTTP_METHODS.has(k)).length, 0);
}

/**
 * Console errors, uncaught exceptions and CSP violations, from every document the page loads.
 * The violation event is caught in the page itself (Chromium's console text for it is not a stable
 * interface) and reported through a binding, which survives navigations where a window variable would not.
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

/** The operation rows: the page's main area only (the top bar has a <details> menu of its own). */
const rows = (page: Page) => page.getByRole("main").locator("details");

/** A route's row: its summary holds the method badge and the path, exactly. */
const routeRow = (page: Page, method: string, path: string) =>
  rows(page)
    .filter({ has: page.locator("summary code", { hasText: new RegExp(`^${path.replace(/[{}/.]/g, "\\$&")}$`) }) })
    .filter({ has: page.locator("summary span", { hasText: new RegExp(`^${method}$`) }) });

describe.skipIf(Boolean(skip))(`the API docs page in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("is linked from the sidebar and lists every operation of /api/v1/openapi.json, with its schemas, cleanly", async () => {
    if (!app) return;
    const expected = await operationsInDocument();
    expect(expected).toBeGreaterThan(0);
    await withPage(browser, "api-docs", async (page) => {
      const problems = await watchForErrors(page);
      await signInAs(page, app.url, app.email, app.password, "/demo");
      await page.getByRole("link", { name: "API", exact: true }).click();
      await page.waitForURL(url("/demo/api-docs"));
      await page.getByRole("heading", { level: 1, name: "HTTP API" }).waitFor();
      // the list renders once the document has loaded; the filter appears with it
      await page.getByLabel("Filter endpoints").waitFor();

      await routeRow(page, "POST", "/api/v1/ingest").waitFor();
      const members = routeRow(page, "POST", "/api/v1/projects/{projectId}/members");
      await expect.poll(() => members.count()).toBe(1);
      await expect.poll(() => rows(page).count()).toBe(expected);

      // a collapsed row hides its detail; opening it shows auth, role, procedure and both schemas
      const requestLabel = members.getByText("Request body (application/json)");
      expect(await requestLabel.isVisible()).toBe(false);
      await members.locator("summary").click();
      await requestLabel.waitFor();
      await expect.poll(() => members.getAttribute("open")).not.toBeNull();
      const detail = (await members.textContent()) ?? "";
      expect(detail).toContain("least role: admin");
      expect(detail).toContain("tRPC workspace.members.add");
      expect(detail).toContain("Response 201 (application/json)");
      const [request, response] = await members.locator("pre").allTextContents();
      expect(JSON.parse(request ?? "")).toMatchObject({ type: "object", required: ["email", "role"] });
      expect(JSON.parse(response ?? "")).toMatchObject({ required: ["invitation"] });

      // the filter narrows the list to the matching operations
      await page.getByLabel("Filter endpoints").fill("/api/v1/ingest");
      await expect.poll(() => rows(page).count()).toBe(1);
      await page.getByLabel("Filter endpoints").fill("");
      await expect.poll(() => rows(page).count()).toBe(expected);

      expect(problems).toEqual([]);
    });
  });
});
