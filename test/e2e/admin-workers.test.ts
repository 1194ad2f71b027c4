import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { errorUnder, launch, signInAs, withPage } from "./browser";

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

      const sent: string[] = [];
      page.on("request", (r) => {
        const m = r.url().match(/\/api\/trpc\/([\w.,]+)/);
        if (r.method() === "POST" && m?.[1]) sent.push(...m[1].split(","));
      });

      // the allow-list is checked entry by entry with the server's schema: a too-long one is refused under the box, unsent
      const egress = page.getByRole("form", { name: "Outbound address allow-list" });
      const ranges = egress.getByLabel("Allowed ranges (CIDR, one per line)");
      const before = await ranges.inputValue();
      await ranges.fill(`10.20.0.0/16\n${"1".repeat(65)}`);
      await egress.getByRole("button", { name: "Save allow-list" }).click();
      await expect.poll(() => errorUnder(ranges)).toBe(`${"1".repeat(65)}: Too big: expected string to have <=64 characters`);
      // what only the server checks (node's own address parser) comes back under the same box
      await ranges.fill("10.20.0.0/16\n10.0.0.0/33");
      await egress.getByRole("button", { name: "Save allow-list" }).click();
      await expect.poll(() => errorUnder(ranges)).toBe('"10.0.0.0/33" is not a CIDR such as 10.0.0.0/8 or fc00::/7');
      expect(sent.filter((s) => s === "workspace.instance.settings.set")).toHaveLength(1);
      await ranges.fill(before);

      // a bad pool name is the server's schema, in the browser: under the field, and nothing is sent
      const poolForm = page.getByRole("form", { name: "New worker pool" });
      await poolForm.getByLabel("Pool name").fill("bad name!");
      await poolForm.getByRole("button", { name: "Create pool" }).click();
      await poolForm.getByText("a pool name is 1 to 64 letters").waitFor();
      await expect.poll(() => poolForm.getByLabel("Pool name").getAttribute("aria-invalid")).toBe("true");
      expect(sent.filter((s) => s === "tuning.pools.create")).toEqual([]);
      // an unknown project is the server's answer, under the field it is about
      const pool = `e2e-${uniq()}`;
      await poolForm.getByLabel("Pool name").fill(pool);
      await poolForm.getByLabel("Other projects (slugs)").fill("no-such-project");
      await poolForm.getByRole("button", { name: "Create pool" }).click();
      await poolForm.getByText("no project no-such-project").waitFor();
      await expect.poll(() => poolForm.getByLabel("Other projects (slugs)").getAttribute("aria-invalid")).toBe("true");
      expect(await errorUnder(poolForm.getByLabel("Pool name"))).toBe("");

      // the demo project ticked from the admin's projects
      await poolForm.getByLabel("Other projects (slugs)").fill("");
      await poolForm.getByRole("checkbox", { name: /demo/i }).check();
      await poolForm.getByRole("button", { name: "Create pool" }).click();
      await poolForm.getByText(`Created pool ${pool}.`).waitFor();
      const poolRow = page.getByRole("table", { name: "Worker pools" }).getByRole("row", { name: new RegExp(pool) });
      await expect.poll(() => poolRow.textContent()).toContain("demo");
      // the form was emptied; the same name again is the server's 409, under the name
      expect(await poolForm.getByLabel("Pool name").inputValue()).toBe("");
      await poolForm.getByLabel("Pool name").fill(pool);
      await poolForm.getByRole("button", { name: "Create pool" }).click();
      await expect.poll(() => errorUnder(poolForm.getByLabel("Pool name"))).toBe(`A worker pool named ${pool} exists`);

      // a token name longer than the schema allows: under the field, unsent
      const tokenForm = page.getByRole("form", { name: "New worker token" });
      await tokenForm.getByLabel("Token name").fill("x".repeat(201));
      await tokenForm.getByRole("button", { name: "Create token" }).click();
      await expect.poll(() => errorUnder(tokenForm.getByLabel("Token name"))).toMatch(/^Too big/);
      expect(sent.filter((s) => s === "tuning.tokens.create")).toEqual([]);

      // a token in that pool: shown once, with the command a worker machine runs
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

      // the refusals provoked above are the only failed loads (the browser logs them as console errors):
      // the CIDR's and the unknown project's 400s, the taken name's 409
      const provoked = (m: string) => m.includes("status of 400 (Bad Request)") || m.includes("status of 409 (Conflict)");
      expect(problems.filter(provoked)).toHaveLength(3);
      expect(problems.filter((m) => !provoked(m))).toEqual([]);
    });
  });
});
