import { spawnSync } from "node:child_process";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { errorUnder, launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;

const signIn = (page: Page, email: string, password: string) => signInAs(page, app?.url ?? "", email, password);

describe.skipIf(Boolean(skip))(`console in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("signs in, creates a project and an API key, and the key calls the API", async () => {
    if (!app) return;
    await withPage(browser, "project-and-key", async (page) => {
      await signIn(page, app.email, app.password);
      await page.waitForURL(url("/demo"));
      await page.goto(url("/projects/new"));
      await page.getByLabel("Name").fill("Browser Project");
      await page.getByRole("button", { name: "Create project" }).click();
      await page.waitForURL(url("/browser-project"));
      await page.getByRole("link", { name: "Settings" }).click();
      await page.waitForURL(url("/browser-project/settings"));
      // the server's schema, in the browser: a key needs a name, said under the field
      const keyName = page.getByLabel("Key name");
      await page.getByRole("button", { name: "Create key" }).click();
      await expect.poll(() => keyName.getAttribute("aria-invalid")).toBe("true");
      await page.getByText("Is required").waitFor();
      await keyName.fill("from the browser");
      await page.getByRole("button", { name: "Create key" }).click();
      const key = (await page.getByTestId("new-key").locator("code").textContent())?.trim() ?? "";
      expect(key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);

      const res = await fetch(url("/api/v1/projects/browser-project"), { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ slug: "browser-project", name: "Browser Project", role: "owner" });

      page.on("dialog", (d) => d.accept());
      await page.getByRole("button", { name: "Revoke" }).first().click();
      await expect
        .poll(async () => (await fetch(url("/api/v1/projects/browser-project"), { headers: { authorization: `Bearer ${key}` } })).status)
        .toBe(401);

      // inviting: the server's addMemberInput checks the email in the browser, before any request
      const invites: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("workspace.members.add")) invites.push(r.url());
      });
      const invite = page.getByRole("form", { name: "Invite member" });
      await invite.getByLabel("Member email").fill("not-an-email");
      await invite.getByRole("button", { name: "Create invitation" }).click();
      await expect.poll(() => errorUnder(invite.getByLabel("Member email"))).toBe("Must be an email address");
      expect(invites).toEqual([]);
      await invite.getByLabel("Member email").fill("teammate@example.com");
      await invite.getByRole("button", { name: "Create invitation" }).click();
      await page.getByRole("textbox", { name: "Invitation link" }).waitFor();
      expect(invites.length).toBe(1);
    });
  });

  it("shows a wrong password as an error and stays signed out", async () => {
    if (!app) return;
    await withPage(browser, "wrong-password", async (page) => {
      await signIn(page, app.email, "definitely-wrong");
      // waitFor, not expect.poll: poll gives up after 1 s, and a loaded CI machine may need longer for scrypt
      await page.getByText("Invalid email or password").waitFor();
      expect(page.url()).toContain("/sign-in");
    });
  });

  it("signs out, and the console sends a signed-out visitor to sign-in", async () => {
    if (!app) return;
    await withPage(browser, "sign-out", async (page) => {
      await signIn(page, app.email, app.password);
      await page.waitForURL(url("/demo"));
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(url("/sign-in"));
      await page.goto(url("/demo/settings"));
      await page.waitForURL(/\/sign-in/);
    });
  });

  it("lets the CLI work on the running instance's data dir, and its user sign in", async () => {
    if (!app) return;
    const env: NodeJS.ProcessEnv = { ...process.env, KEEL_DATA_DIR: app.dataDir, LOG_LEVEL: "silent" };
    if (app.databaseUrl) env.DATABASE_URL = app.databaseUrl;
    else delete env.DATABASE_URL;
    const res = spawnSync(
      process.execPath,
      [
        path.resolve(import.meta.dirname, "../../bin/keel.mjs"),
        "users",
        "create",
        "--email",
        "cli-user@example.com",
        "--password",
        "cli-user-password",
        "--json",
      ],
      {
        env,
        encoding: "utf8",
      },
    );
    expect(res.status).toBe(0);
    await withPage(browser, "cli-user", async (page) => {
      await signIn(page, "cli-user@example.com", "cli-user-password");
      await page.waitForURL(url("/projects/new")); // no projects yet
    });
  });

  it("serves /api/health and /api/metrics", async () => {
    if (!app) return;
    const health = await fetch(url("/api/health"));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", database: "ok" });
    const text = await (await fetch(url("/api/metrics"))).text();
    expect(text).toMatch(/keel_http_requests_total\{method="GET",route="\/api\/health",status="200"\} \d+/);
  });
});
