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
  /** The invitation link the first test makes, for the sign-up test after it. */
  let invitation = "";
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("signs in, creates a project and an API key, and the key calls the API", async () => {
    if (!app) return;
    await withPage(browser, "project-and-key", async (page) => {
      await signIn(page, app.email, app.password);
      await page.waitForURL(url("/demo"));
      const creates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("workspace.projects.create")) creates.push(r.url());
      });
      await page.goto(url("/projects/new"));
      await page.getByLabel("Name").fill("Browser Project");
      // the server's createProjectInput, in the browser: a malformed slug is refused under it, unsent
      const slug = page.getByLabel("Slug");
      await slug.fill("Browser Project");
      await page.getByRole("button", { name: "Create project" }).click();
      await expect.poll(() => errorUnder(slug)).toBe("Must be 1-40 lower-case letters, digits and inner hyphens");
      expect(creates).toEqual([]);
      // a taken slug is the server's 409, under the slug
      await slug.fill("demo");
      await page.getByRole("button", { name: "Create project" }).click();
      await expect.poll(() => errorUnder(slug)).toBe("A project with slug demo already exists");
      expect(creates.length).toBe(1);
      // left empty, it is derived from the name
      await slug.fill("");
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
      const link = page.getByRole("textbox", { name: "Invitation link" });
      await link.waitFor();
      expect(invites.length).toBe(1);
      invitation = await link.inputValue();
    });
  });

  it("creates an account through an invitation link, checking the password in the browser first", async () => {
    if (!app || !invitation) return;
    await withPage(browser, "invite-sign-up", async (page) => {
      const signUps: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("workspace.invitations.signUp")) signUps.push(r.url());
      });
      await page.goto(url(`/invite/${invitation.split("/invite/")[1]}`));
      const form = page.getByRole("form", { name: "Create your account" });
      const password = form.getByLabel("Password", { exact: true });
      const repeat = form.getByLabel("Repeat the password");
      await password.fill("short");
      await repeat.fill("shorter");
      await form.getByRole("button", { name: "Create account and join" }).click();
      await expect.poll(() => errorUnder(password)).toBe("Must be at least 8 characters");
      expect(await errorUnder(repeat)).toBe("The two passwords differ");
      expect(signUps).toEqual([]);
      await form.getByLabel("Name (optional)").fill("Team Mate");
      await password.fill("a-good-password");
      await repeat.fill("a-good-password");
      await form.getByRole("button", { name: "Create account and join" }).click();
      await page.waitForURL(url("/browser-project"));
      expect(signUps.length).toBe(1);
    });
  });

  it("checks a new password in the browser, and shows a wrong current one under its field", async () => {
    if (!app) return;
    await withPage(browser, "change-password", async (page) => {
      await signIn(page, app.email, app.password);
      await page.waitForURL(url("/demo"));
      const changes: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("workspace.auth.changePassword")) changes.push(r.url());
      });
      await page.goto(url("/account"));
      const form = page.getByRole("form", { name: "Change password" });
      const current = form.getByLabel("Current password");
      const next = form.getByLabel("New password", { exact: true });
      const repeat = form.getByLabel("Repeat the new password");
      await next.fill("short");
      await form.getByRole("button", { name: "Change password" }).click();
      await expect.poll(() => errorUnder(next)).toBe("Must be at least 8 characters");
      expect(await errorUnder(current)).toBe("Is required");
      expect(changes).toEqual([]);
      // the rules the browser cannot know (the current password) come back under their field; nothing changes
      await current.fill("not-the-password");
      await next.fill("another-password");
      await repeat.fill("another-password");
      await form.getByRole("button", { name: "Change password" }).click();
      await expect.poll(() => errorUnder(current)).toBe("The current password is not right");
      expect(changes.length).toBe(1);
    });
  });

  it("shows a wrong password as an error and stays signed out", async () => {
    if (!app) return;
    await withPage(browser, "wrong-password", async (page) => {
      const attempts: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("workspace.auth.signIn")) attempts.push(r.url());
      });
      // nothing typed: each field says so, and nothing is sent
      await page.goto(url("/sign-in"));
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => errorUnder(page.getByLabel("Email"))).toBe("Is required");
      expect(await errorUnder(page.getByLabel("Password"))).toBe("Is required");
      expect(attempts).toEqual([]);
      await signIn(page, app.email, "definitely-wrong");
      // waitFor, not expect.poll: poll gives up after 1 s, and a loaded CI machine may need longer for scrypt
      // the server's answer names no field (it does not say which was wrong): above the form, not under one
      await page.getByRole("form", { name: "Sign in" }).getByRole("alert").getByText("Invalid email or password").waitFor();
      expect(await errorUnder(page.getByLabel("Password"))).toBe("");
      expect(attempts.length).toBe(1);
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
