import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const auth = () => ({ authorization: `Bearer ${app?.key}`, "content-type": "application/json" });

interface StoredRating {
  id: string;
  name: string;
  dataType: string;
  value: number | null;
  comment: string | null;
  source: string;
  endUserId: string | null;
}

/** A trace in the demo project, over the public ingestion API. */
async function ingestTrace(name: string): Promise<string> {
  const id = `widget-e2e-${randomUUID()}`;
  const res = await fetch(url("/api/v1/ingest"), {
    method: "POST",
    headers: auth(),
    body: JSON.stringify({ batch: [{ type: "trace", id, body: { name, input: "hi", output: "hello" } }] }),
  });
  expect(res.status).toBe(207);
  expect((await res.json()).results).toEqual([{ id, status: 201 }]);
  return id;
}

/** The trace's ratings as stored, read through tRPC (there is no REST read for ratings). */
async function ratingsOf(traceId: string): Promise<StoredRating[]> {
  const input = encodeURIComponent(JSON.stringify({ json: { projectId: "demo", traceId } }));
  const res = await fetch(url(`/api/trpc/logs.traces.get?input=${input}`), { headers: auth() });
  expect(res.status).toBe(200);
  return (await res.json()).result.data.json.ratings;
}

async function createPublicKey(origin: string): Promise<string> {
  const res = await fetch(url("/api/v1/projects/demo/keys"), {
    method: "POST",
    headers: auth(),
    body: JSON.stringify({ name: `widget e2e ${origin}`, kind: "public", origins: [origin] }),
  });
  expect(res.status).toBe(201);
  return (await res.json()).key;
}

/** The demo user, landing on the demo project. */
const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

/** A third-party site: one static page per path, on its own origin (another port). */
function startSite(pages: Record<string, string>): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const html = pages[req.url ?? "/"];
    res.writeHead(html ? 200 : 404, { "content-type": "text/html; charset=utf-8" }).end(html ?? "not found");
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

const html = (body: string) => `<!doctype html><html><head><title>A customer site</title></head><body><h1>Answer</h1>${body}</body></html>`;

describe.skipIf(Boolean(skip))(`rating widget in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  // The console's demo key (bound to the console's origin), reused by the cross-origin test.
  let demoKey = "";
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("rates a trace from the demo page with the real widget.js and the React component, with a fresh public key", async () => {
    if (!app) return;
    const traceId = await ingestTrace("widget e2e");
    await withPage(browser, "widget-demo", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/logs/widget?trace=${traceId}`));
      await page.getByRole("heading", { name: "Rating widget" }).waitFor();
      await page.getByText("No ratings on this trace yet").waitFor();
      await page.getByRole("button", { name: "Create a demo key" }).click();

      // Inside the widget's shadow root: Playwright's role and text selectors pierce it.
      const good = page.getByTestId("widget-demo").getByRole("button", { name: "Good response" });
      await good.click();
      await page.getByTestId("widget-demo").getByText("Thanks for your feedback").waitFor();
      expect(await good.getAttribute("aria-pressed")).toBe("true");
      expect(await page.getByTestId("widget-demo").getByRole("button", { name: "Bad response" }).getAttribute("aria-pressed")).toBe(
        "false",
      );

      // The page refetches the trace on the widget's event: the rating shows up below it.
      const row = page.getByTestId("rating-row");
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.textContent()).toContain("widget");
      expect(await row.textContent()).toContain("user-feedback");

      demoKey = await page.evaluate(() => JSON.parse(localStorage.getItem("keel.widgetDemoKey.demo") ?? "{}").key ?? "");
      expect(demoKey).toMatch(/^pk_/);

      // The React component (sdk/react.tsx) beside it: thumbs down, then a comment on the same rating.
      const react = page.getByTestId("react-demo");
      await react.getByRole("button", { name: "Bad response" }).click();
      await react.getByText("Thanks for your feedback").waitFor();
      expect(await react.getByRole("button", { name: "Bad response" }).getAttribute("aria-pressed")).toBe("true");
      await expect.poll(() => row.count()).toBe(2);
      await react.getByLabel("Anything to add? (optional)").fill("Needs sources.");
      await react.getByRole("button", { name: "Send comment" }).click();
      await expect.poll(() => react.getByLabel("Anything to add? (optional)").count()).toBe(0);
      await page.getByText("Needs sources.").waitFor();
      expect(await row.count()).toBe(2);

      // A later visit reuses the stored key instead of asking for another.
      await page.reload();
      await page.getByTestId("widget-demo").getByRole("button", { name: "Good response" }).waitFor();
      expect(await page.getByRole("button", { name: "Create a demo key" }).count()).toBe(0);
      await expect.poll(() => page.getByTestId("rating-row").count()).toBe(2);
    });

    const ratings = await ratingsOf(traceId);
    expect(ratings).toHaveLength(2);
    const byValue = Object.fromEntries(ratings.map((r) => [String(r.value), r]));
    expect(byValue["1"]).toMatchObject({ name: "user-feedback", dataType: "boolean", source: "widget", comment: null });
    expect(byValue["0"]).toMatchObject({ name: "user-feedback", dataType: "boolean", source: "widget", comment: "Needs sources." });
  });

  it("is refused on a site whose origin the key does not allow, and stores nothing", async () => {
    if (!app) return;
    const traceId = await ingestTrace("widget e2e (foreign origin)");
    const key = demoKey || (await createPublicKey(new URL(url("/")).origin));
    const site = await startSite({
      "/": html(
        `<script src="${url("/widget.js")}" data-key="${key}" data-trace-id="${traceId}" data-endpoint="${app.url}" async></script>`,
      ),
    });
    try {
      await withPage(browser, "widget-foreign-origin", async (page) => {
        const statuses: number[] = [];
        page.on("response", (r) => {
          if (r.url().endsWith("/api/v1/ratings") && r.request().method() === "POST") statuses.push(r.status());
        });
        await page.goto(`${site.origin}/`);
        await page.getByRole("button", { name: "Good response" }).click();
        await page.getByText("Could not send your feedback.").waitFor();
        await page.getByRole("button", { name: "Try again" }).waitFor();
        expect(statuses).toEqual([403]);
        expect(await page.getByText("Thanks for your feedback").count()).toBe(0);
      });
    } finally {
      await site.close();
    }
    expect(await ratingsOf(traceId)).toEqual([]);
  });

  it("works cross-origin for an allowed site: a comment after the thumb updates the same rating", async () => {
    if (!app) return;
    const traceId = await ingestTrace("widget e2e (customer site)");
    const pages: Record<string, string> = {};
    const site = await startSite(pages); // the key needs the site's origin, known once it listens
    try {
      const key = await createPublicKey(site.origin);
      // A single-page app: load the script once, then render through window.KeelRating.
      const options = { key, traceId, endpoint: app.url, name: "helpful", endUserId: "end-user-7", comment: true };
      pages["/"] = html(
        `<div id="rate"></div><script src="${url("/widget.js")}"></script>` +
          `<script>KeelRating.render(document.getElementById("rate"), ${JSON.stringify(options)})</script>`,
      );
      await withPage(browser, "widget-allowed-origin", async (p) => {
        await p.goto(`${site.origin}/`);
        const bad = p.getByRole("button", { name: "Bad response" });
        await bad.click();
        await p.getByText("Thanks for your feedback").waitFor();
        expect(await bad.getAttribute("aria-pressed")).toBe("true");
        await expect.poll(async () => (await ratingsOf(traceId)).length).toBe(1);

        await p.getByLabel("Anything to add? (optional)").fill("Too long, and it missed the point.");
        await p.getByRole("button", { name: "Send comment" }).click();
        await expect.poll(() => p.getByLabel("Anything to add? (optional)").count()).toBe(0);
        await p.getByText("Thanks for your feedback").waitFor();
      });
    } finally {
      await site.close();
    }
    const ratings = await ratingsOf(traceId);
    expect(ratings).toHaveLength(1);
    expect(ratings[0]).toMatchObject({
      name: "helpful",
      dataType: "boolean",
      value: 0,
      source: "widget",
      endUserId: "end-user-7",
      comment: "Too long, and it missed the point.",
    });
  });

  it("tells a project without traces to ingest one first", async () => {
    if (!app) return;
    await withPage(browser, "widget-empty", async (page) => {
      await signIn(page);
      await page.goto(url("/projects/new"));
      await page.getByLabel("Name").fill("Widget Empty");
      await page.getByRole("button", { name: "Create project" }).click();
      await page.waitForURL(url("/widget-empty"));
      await page.goto(url("/widget-empty/logs/widget"));
      await page.getByText("No traces yet").waitFor();
      expect(await page.getByRole("link", { name: "Logs", exact: true }).last().getAttribute("href")).toBe("/widget-empty/logs");
    });
  });
});
