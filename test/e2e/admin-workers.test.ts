import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const uniq = () => randomBytes(4).toString("hex");

/** Console errors, uncaught exceptions and CSP violations from every document the page loads (as the evals-live test watches them). */
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

/**
 * A worker-protocol call with the token that registers nothing (no trainers: a 400 past the token
 * check), so the shared app gains no worker: 401 once the token is revoked.
 */
const tryToken = (token: string) =>
  fetch(url("/api/v1/workers/register"), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "e2e", host: "e2e", pid: 1, capabilities: { cpus: 1, memoryMb: 1, gpus: [], cuda: null, trainers: [] } }),
  });

describe.skipIf(Boolean(skip))(`admin console: remote workers in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("creates a pool and a token, shows the token once, lists it, revokes it", async () => {
    if (!app) return;
    await withPage(browser, "admin-workers", async (page) => {
      const problems = await watchForErrors(page);
      await signInAs(page, app.url, app.email, app.password, "/demo");
      await page.goto(url("/admin"));
      await page.getByRole("heading", { name: "Remote workers" }).waitFor();

      // a bad pool name and an unknown project: each error under the field it is about
      const poolForm = page.getByRole("form", { name: "New worker pool" });
      await poolForm.getByLabel("Pool name").fill("bad name!");
      await poolForm.getByRole("button", { name: "Create pool" }).click();
      await poolForm.getByText("a pool name is 1 to 64 letters").waitFor();
      await expect.poll(() => poolForm.getByLabel("Pool name").getAttribute("aria-invalid")).toBe("true");
      const pool = `e2e-${uniq()}`;
      await poolForm.getByLabel("Pool name").fill(pool);
      await poolForm.getByLabel("Other projects (slugs)").fill("no-such-project");
      await poolForm.getByRole("button", { name: "Create pool" }).click();
      await poolForm.getByText("no project no-such-project").waitFor();
      await expect.poll(() => poolForm.getByLabel("Other projects (slugs)").getAttribute("aria-invalid")).toBe("true");

      // the demo project ticked from the admin's projects
      await poolForm.getByLabel("Other projects (slugs)").fill("");
      await poolForm.getByRole("checkbox", { name: /demo/i }).check();
      await poolForm.getByRole("button", { name: "Create pool" }).click();
      await poolForm.getByText(`Created pool ${pool}.`).waitFor();
      const poolRow = page.getByRole("table", { name: "Worker pools" }).getByRole("row", { name: new RegExp(pool) });
      await expect.poll(() => poolRow.textContent()).toContain("demo");

      // a token in that pool: shown once, with the command a worker machine runs
      const tokenForm = page.getByRole("form", { name: "New worker token" });
      const tokenName = `e2e token ${uniq()}`;
      await tokenForm.getByLabel("Token name").fill(tokenName);
      await expect.poll(() => tokenForm.getByLabel("Pool").locator("option", { hasText: pool }).count()).toBe(1);
      await tokenForm.getByLabel("Pool").selectOption({ label: pool });
      await tokenForm.getByRole("button", { name: "Create token" }).click();
      const shown = page.getByTestId("new-worker-token");
      const token = (await shown.getByTestId("worker-token").textContent())?.trim() ?? "";
      expect(token).toMatch(/^wk_[A-Za-z0-9_-]{43}$/);
      expect((await shown.getByTestId("worker-command").textContent())?.replace(/\s+/g, " ").trim()).toBe(
        `npx keel worker --server ${new URL(app.url).origin} --token ${token}`,
      );
      const accepted = await tryToken(token);
      expect(accepted.status, await accepted.clone().text()).toBe(400);

      const tokens = page.getByRole("table", { name: "Worker tokens" });
      const row = tokens.getByRole("row", { name: new RegExp(tokenName) });
      await expect.poll(() => row.textContent()).toContain(token.slice(0, 9));
      expect(await row.textContent()).toContain(pool);
      expect(await row.textContent()).toContain("active");
      // the full token is nowhere in the list
      expect(await tokens.textContent()).not.toContain(token);

      // once dismissed it is gone, and a reload does not bring it back
      await shown.getByRole("button", { name: "Done" }).click();
      await expect.poll(() => page.getByTestId("new-worker-token").count()).toBe(0);
      await page.reload();
      await row.waitFor();
      expect(await page.content()).not.toContain(token);

      // revoke, after the confirmation
      let asked = "";
      page.once("dialog", (d) => {
        asked = d.message();
        void d.accept();
      });
      await row.getByRole("button", { name: `Revoke ${tokenName}` }).click();
      await page.getByText(`Revoked ${tokenName}.`).waitFor();
      expect(asked).toContain(tokenName);
      await expect.poll(() => row.textContent()).toContain("revoked");
      expect(await row.getByRole("button", { name: /Revoke/ }).count()).toBe(0);
      expect((await tryToken(token)).status).toBe(401);

      // the two bad pools above are the only failed loads: the browser logs their 400s as console errors
      const provoked = (m: string) => m.includes("status of 400 (Bad Request)");
      expect(problems.filter(provoked)).toHaveLength(2);
      expect(problems.filter((m) => !provoked(m))).toEqual([]);
    });
  });
});
