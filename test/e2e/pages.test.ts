import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs } from "./browser";
import { type Seeded, seedPages } from "./pages-seed";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const SHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");

/**
 * Every console page (one `page.tsx` under app/ each), by a short name for its screenshot and test.
 * A new page gets one line here; `signedOut` pages open in a context without a session.
 */
const PAGES: { name: string; path: (s: Seeded) => string; signedOut?: boolean }[] = [
  { name: "sign-in", path: () => "/sign-in", signedOut: true },
  { name: "home", path: () => "/" },
  { name: "projects-new", path: () => "/projects/new" },
  { name: "account", path: () => "/account" },
  { name: "admin", path: () => "/admin" },
  { name: "invite", path: (s) => s.invitePath },
  { name: "overview", path: () => "/demo" },
  { name: "logs", path: () => "/demo/logs" },
  { name: "logs-trace", path: (s) => `/demo/logs/traces/${encodeURIComponent(s.traceId)}` },
  { name: "logs-sessions", path: () => "/demo/logs/sessions" },
  { name: "logs-session", path: (s) => `/demo/logs/sessions/${encodeURIComponent(s.sessionId)}` },
  { name: "logs-users", path: () => "/demo/logs/users" },
  { name: "logs-user", path: (s) => `/demo/logs/users/${encodeURIComponent(s.userId)}` },
  { name: "logs-charts", path: () => "/demo/logs/charts" },
  { name: "logs-queues", path: () => "/demo/logs/queues" },
  { name: "logs-queue", path: (s) => `/demo/logs/queues/${s.queueId}` },
  { name: "logs-settings", path: () => "/demo/logs/settings" },
  { name: "logs-widget", path: () => "/demo/logs/widget" },
  { name: "registry", path: () => "/demo/registry" },
  { name: "registry-model", path: (s) => `/demo/registry/models/${s.model}` },
  { name: "registry-version", path: (s) => `/demo/registry/models/${s.model}/versions/${s.version}` },
  { name: "registry-prompts", path: () => "/demo/registry/prompts" },
  { name: "registry-prompt", path: (s) => `/demo/registry/prompts/${encodeURIComponent(s.prompt)}` },
  { name: "registry-approvals", path: () => "/demo/registry/approvals" },
  { name: "registry-experiments", path: () => "/demo/registry/experiments" },
  { name: "registry-experiment", path: (s) => `/demo/registry/experiments/${s.experimentId}` },
  { name: "registry-run", path: (s) => `/demo/registry/runs/${s.runId}` },
  { name: "registry-compare", path: (s) => `/demo/registry/compare?runs=${s.runId}` },
  { name: "registry-webhooks", path: () => "/demo/registry/webhooks" },
  { name: "datasets", path: () => "/demo/datasets" },
  { name: "evals", path: () => "/demo/evals" },
  { name: "evals-new", path: () => "/demo/evals/new" },
  { name: "evals-run", path: (s) => `/demo/evals/runs/${s.evalRunId}` },
  { name: "evals-compare", path: (s) => `/demo/evals/compare?a=${s.otherEvalRunId}&b=${s.evalRunId}` },
  { name: "tuning", path: () => "/demo/tuning" },
  { name: "tuning-job", path: (s) => `/demo/tuning/${s.tuningJob}` },
  { name: "tuning-workers", path: () => "/demo/tuning/workers" },
  { name: "routing", path: () => "/demo/routing" },
  { name: "routing-router", path: (s) => `/demo/routing/${encodeURIComponent(s.router)}` },
  { name: "routing-deployments", path: () => "/demo/routing/deployments" },
  { name: "routing-evaluate", path: () => "/demo/routing/evaluate" },
  { name: "playground", path: () => "/demo/playground" },
  { name: "routing-spend", path: () => "/demo/routing/spend" },
  { name: "drift", path: () => "/demo/drift" },
  { name: "drift-new", path: () => "/demo/drift/new" },
  { name: "drift-monitor", path: (s) => `/demo/drift/${s.monitorId}` },
  { name: "drift-monitor-edit", path: (s) => `/demo/drift/${s.monitorId}/edit` },
  { name: "jobs", path: () => "/demo/jobs" },
  { name: "settings", path: () => "/demo/settings" },
  { name: "settings-key", path: (s) => `/demo/settings/keys/${s.keyId}` },
  { name: "api-docs", path: () => "/demo/api-docs" },
];

/** The console's sections, in the order the navigation lists them. */
const SECTION_LABELS = [
  "Overview",
  "Registry",
  "Logs",
  "Datasets",
  "Evals",
  "Tuning",
  "Routing",
  "Playground",
  "Drift",
  "Jobs",
  "Settings",
  "API",
];

/** The phone size, where the sections fold behind a Menu button and wide tables scroll inside their cards. */
const PHONE = { size: "390x844", width: 390, height: 844 };
const SIZES = [{ size: "1440x900", width: 1440, height: 900 }, PHONE];

/** Whether the page shows no placeholder (a skeleton, a "Loading…" line); hidden ones (a closed panel's) do not count. */
function settled(): boolean {
  const shown = (e: Element) => e.checkVisibility();
  return !(
    [...document.querySelectorAll('.animate-pulse, [role="status"][aria-label="Loading"]')].some(shown) ||
    [...document.querySelectorAll('[role="status"]')].some((e) => shown(e) && (e.textContent ?? "").includes("Loading…"))
  );
}

/**
 * The elements that stick out past the right edge of the window and are not inside a box that scrolls or
 * clips them: the outermost ones (their parent fits), widest first, as short CSS paths with their widths.
 */
function overflowing(): string[] {
  const limit = window.innerWidth;
  const clips = (s: CSSStyleDeclaration) => ["auto", "scroll", "hidden", "clip"].includes(s.overflowX);
  const escapes = (s: CSSStyleDeclaration) => s.position === "absolute" || s.position === "fixed";
  // inside a box that scrolls or clips it; an absolutely placed element only by one at or above its containing block
  const clipped = (el: Element): boolean => {
    let placed = escapes(getComputedStyle(el));
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (placed && s.position === "static") continue;
      if (clips(s)) return true;
      placed = escapes(s);
    }
    return false;
  };
  const sticksOut = (el: Element) => el.getBoundingClientRect().right > limit + 0.5 && !clipped(el);
  const describe = (el: Element): string => {
    const parts: string[] = [];
    for (let e: Element | null = el; e && e !== document.body && parts.length < 5; e = e.parentElement) {
      const classes = [...e.classList].slice(0, 3).map((c) => `.${CSS.escape(c)}`);
      parts.unshift(`${e.tagName.toLowerCase()}${e.id ? `#${CSS.escape(e.id)}` : ""}${classes.join("")}`);
    }
    return parts.join(" > ");
  };
  return [...document.body.querySelectorAll("*")]
    .filter((el) => sticksOut(el) && !(el.parentElement && el.parentElement !== document.body && sticksOut(el.parentElement)))
    .map((el) => ({ el, right: el.getBoundingClientRect().right }))
    .sort((a, b) => b.right - a.right)
    .slice(0, 3)
    .map(({ el, right }) => `${describe(el)} (right edge at ${Math.round(right)} px, ${(el.textContent ?? "").trim().slice(0, 60)})`);
}

describe.skipIf(Boolean(skip))(`every console page at desktop and phone width${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  let seeded: Seeded;
  beforeAll(async () => {
    if (!app) return;
    browser = await launch();
    seeded = await seedPages(app);
  });
  afterAll(() => browser?.close());

  describe.each(SIZES)("at $size", ({ size, width, height }) => {
    const viewport = { width, height };
    let signedIn: BrowserContext;
    let signedOut: BrowserContext;
    const pages = new Map<BrowserContext, Page>();
    let errors: string[] = [];

    /** One page per context for the whole size, its console errors and uncaught exceptions collected per test. */
    const open = async (context: BrowserContext) => {
      const page = await context.newPage();
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}${m.location().url ? ` (${m.location().url})` : ""}`);
      });
      page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
      pages.set(context, page);
      return page;
    };

    beforeAll(async () => {
      if (!app) return;
      signedIn = await browser.newContext({ viewport });
      signedOut = await browser.newContext({ viewport });
      await signInAs(await open(signedIn), app.url, app.email, app.password, "/demo");
      await open(signedOut);
    });
    afterAll(async () => {
      await signedIn?.close();
      await signedOut?.close();
    });

    it.each(PAGES)("$name", async (entry) => {
      if (!app) return;
      const page = pages.get(entry.signedOut ? signedOut : signedIn);
      if (!page) throw new Error("no page for this size");
      errors = [];
      await page.goto(`${app.url}${entry.path(seeded)}`);
      // settled: no network for half a second (polling pages may never get there: then go on) and no placeholders
      await page.waitForLoadState("networkidle", { timeout: 15_000 }).catch(() => {});
      await page.waitForFunction(settled, undefined, { timeout: 30_000 });
      const file = path.join(SHOTS, size, `${entry.name}.png`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });

      const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, window: window.innerWidth }));
      const culprits = widths.scroll > widths.window ? await page.evaluate(overflowing) : [];
      expect(
        widths.scroll,
        `${entry.name} at ${size} scrolls sideways (${widths.scroll} px wide in a ${widths.window} px window); widest: ${culprits.join("; ")}`,
      ).toBeLessThanOrEqual(widths.window);
      expect(errors, `${entry.name} at ${size} logged errors`).toEqual([]);
    });
  });

  // phone-only behaviour: its own signed-in context at the phone size, so no size reports these as skipped
  describe(`at ${PHONE.size} only`, () => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      if (!app) return;
      context = await browser.newContext({ viewport: { width: PHONE.width, height: PHONE.height } });
      page = await context.newPage();
      await signInAs(page, app.url, app.email, app.password, "/demo");
    });
    afterAll(() => context?.close());

    it("opens every section from the Menu button: focus moves in, Escape closes it", async () => {
      if (!app) return;
      await page.goto(`${app.url}/demo/jobs`);
      const nav = page.getByRole("navigation", { name: "Sections" });
      const menu = nav.getByRole("button", { name: "Menu" });
      const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
      await expect.poll(() => menu.getAttribute("aria-expanded")).toBe("false");
      expect(await nav.getByRole("link").count(), "closed, the sections are hidden").toBe(0);

      await menu.click();
      expect(await menu.getAttribute("aria-expanded")).toBe("true");
      await expect.poll(() => nav.getByRole("link").allTextContents()).toEqual(SECTION_LABELS);
      await expect.poll(focused).toBe("Overview");
      await page.keyboard.press("Escape");
      await expect.poll(() => menu.getAttribute("aria-expanded")).toBe("false");
      expect(await focused()).toBe("Menu");

      // a section followed closes the menu
      await menu.click();
      await nav.getByRole("link", { name: "Drift" }).click();
      await page.waitForURL(`${app.url}/demo/drift`);
      await expect.poll(() => menu.getAttribute("aria-expanded")).toBe("false");
    });

    it("scrolls a wide table inside its card, from the keyboard too", async () => {
      if (!app) return;
      await page.goto(`${app.url}/demo/settings`);
      const region = page.getByRole("region", { name: "Audit log, scrolls sideways" });
      await region.waitFor();
      expect(await region.getAttribute("tabindex")).toBe("0");
      await region.focus();
      for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
      await expect.poll(() => region.evaluate((e) => e.scrollLeft)).toBeGreaterThan(0);
    });
  });
});
