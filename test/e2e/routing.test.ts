import { randomBytes } from "node:crypto";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { errorUnder, launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;
const uniq = () => randomBytes(5).toString("hex");

const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

/** One chat call through the gateway with the demo secret key; returns the route the router chose. */
async function chat(model: string, content: string) {
  const res = await fetch(url("/api/v1/chat/completions"), {
    method: "POST",
    headers: { authorization: `Bearer ${app?.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }], max_tokens: 4 }),
  });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.choices?.[0]?.message?.role).toBe("assistant");
  return { target: res.headers.get("x-keel-route-target"), reason: decodeURIComponent(res.headers.get("x-keel-route-reason") ?? "") };
}

/** Reload until `locator`'s text matches (route events may land a moment after the response). */
async function eventually(page: Page, locator: () => Locator, pattern: RegExp, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const text = (await locator().textContent({ timeout: 10_000 })) ?? "";
    if (pattern.test(text)) return;
    if (Date.now() > until) expect(text).toMatch(pattern);
    await page.waitForTimeout(1000);
    await page.reload();
  }
}

describe.skipIf(Boolean(skip))(`routers in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("creates a deployment and a rules router in the console, routes gateway calls by length, and shows the traffic", async () => {
    const id = uniq();
    const large = `tiny-gpt2-large-${id}`;
    const routerName = `by-length-${id}`;
    await withPage(browser, "routing-rules", async (page) => {
      await signIn(page);

      // a second chat deployment: the same local model, priced as the large one
      await page.goto(url("/demo/routing/deployments"));
      await page.getByRole("heading", { level: 1, name: "Deployments" }).waitFor();
      const newDeployment = page.getByRole("form", { name: "New deployment" });
      const creates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("serving.deployments.create")) creates.push(r.url());
      });
      // the server's own schema refuses a bad name in the browser, under the field, before any request
      const nameBox = newDeployment.getByLabel("Deployment name");
      await nameBox.fill("not a name!");
      await newDeployment.getByRole("button", { name: "Create deployment" }).click();
      await expect.poll(() => errorUnder(nameBox)).toMatch(/letters, digits/);
      expect(await nameBox.getAttribute("aria-invalid")).toBe("true");
      expect(creates).toEqual([]);
      await newDeployment.getByLabel("Deployment name").fill(large);
      await newDeployment.getByLabel("Task").selectOption("chat");
      await newDeployment.getByLabel("Registry model").fill("tiny-gpt2");
      await newDeployment.getByLabel("Alias or version").fill("production");
      await newDeployment.getByLabel("Input price per 1k tokens ($)").fill("0.01");
      await newDeployment.getByLabel("Output price per 1k tokens ($)").fill("0.03");
      await newDeployment.getByRole("button", { name: "Create deployment" }).click();
      await page.getByText(`Created deployment ${large}.`).waitFor();
      await page.getByRole("table", { name: "Deployments" }).getByRole("cell", { name: large, exact: true }).waitFor();
      expect(creates).toHaveLength(1);
      // the server's answer naming a field (the name is taken) lands under that field
      await nameBox.fill(large);
      await newDeployment.getByRole("button", { name: "Create deployment" }).click();
      await expect.poll(() => errorUnder(nameBox)).toContain(`deployment named ${large} already exists`);
      expect(creates).toHaveLength(2);

      // the provider form keeps its key hidden
      expect(await page.getByRole("form", { name: "New provider" }).getByLabel("API key").getAttribute("type")).toBe("password");

      // the router's own schema refuses, in the browser and under each field, before any request:
      // a bad name, a length that is no number, no default target
      await page.goto(url("/demo/routing"));
      await page.getByRole("heading", { level: 1, name: "Routing" }).waitFor();
      const routerCreates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("routing.create")) routerCreates.push(r.url());
      });
      const form = page.getByRole("form", { name: "New router" });
      await form.getByLabel("Router name").fill("by length!");
      await form.getByLabel("Rule 1 value").fill("forty");
      await form.getByRole("button", { name: "Create router" }).click();
      await expect.poll(() => errorUnder(form.getByLabel("Router name"))).toMatch(/letters, digits/);
      expect(await errorUnder(form.getByLabel("Rule 1 value"))).toBe("The length is a whole number");
      expect(await errorUnder(form.getByLabel("Default target"))).toBe("Pick a deployment");
      expect(routerCreates).toEqual([]);
      await form.getByLabel("Router name").fill(routerName);

      // rules: longer than 40 characters → large; otherwise tiny-gpt2
      await form.getByLabel("Kind").selectOption("rules");
      await form.getByLabel("Rule 1 condition").selectOption("length");
      await form.getByLabel("Rule 1 operator").selectOption(">");
      await form.getByLabel("Rule 1 value").fill("40");
      await form.getByLabel("Rule 1 target").selectOption(large);
      await form.getByLabel("Default target").selectOption("tiny-gpt2");
      // several targets by plain click: a checkbox list, not a ctrl-click <select multiple>
      const largeTargets = form.getByRole("group", { name: "Large targets" });
      await largeTargets.getByRole("checkbox", { name: large, exact: true }).click();
      expect(await largeTargets.getByRole("checkbox", { name: large, exact: true }).isChecked()).toBe(true);
      expect(await largeTargets.getByRole("checkbox", { name: "tiny-gpt2", exact: true }).isChecked()).toBe(false);
      await form.getByRole("button", { name: "Create router" }).click();
      await page.getByText(`Created router ${routerName}.`).waitFor();
      await page.getByRole("table", { name: "Routers" }).getByRole("link", { name: routerName }).waitFor();
      expect(routerCreates).toHaveLength(1);

      // 3 short and 2 long prompts through the gateway
      const short = ["hi", "what time is it?", "hello there"];
      const long = [
        "please write a detailed explanation of how tides work, with the moon and the sun",
        "summarize the history of the printing press in Europe from Gutenberg onwards",
      ];
      for (const p of short) expect((await chat(`router:${routerName}`, p)).target).toBe("tiny-gpt2");
      for (const p of long) expect((await chat(`router:${routerName}`, p)).target).toBe(large);

      // the router's page: config, totals and the by-target table
      await page.getByRole("link", { name: `Open ${routerName}` }).click();
      await page.getByRole("heading", { level: 1, name: routerName }).waitFor();
      await page.getByText("if length > 40 chars").waitFor();
      const stat = (name: string) => () => page.getByRole("group", { name, exact: true });
      await eventually(page, stat("Calls"), /^Calls5$/);
      await eventually(page, stat("Large calls"), /40%2 of 5/);
      expect(await stat("Fallbacks")().textContent()).toBe("Fallbacks0");
      const byTarget = page.getByRole("table", { name: "By target" });
      const row = (name: string | RegExp) => byTarget.getByRole("row").filter({ has: page.getByRole("cell", { name, exact: true }) });
      await expect.poll(() => row("tiny-gpt2").getByRole("cell").nth(1).textContent()).toBe("3");
      const largeRow = byTarget.getByRole("row").filter({ hasText: large });
      await expect.poll(() => largeRow.getByRole("cell").nth(1).textContent()).toBe("2");
      expect(await largeRow.getByRole("cell").first().textContent()).toMatch(/large$/);
      await page.getByRole("img", { name: /Calls per hour by target/ }).waitFor();

      // Try it: one more short call, typed in the page with the secret key, goes to the small target
      const tryIt = page.getByRole("form", { name: "Try it" });
      await tryIt.getByLabel("Secret API key").fill(app?.key ?? "");
      await tryIt.getByLabel("Prompt").fill("hello");
      await tryIt.getByRole("button", { name: "Send" }).click();
      await expect.poll(() => tryIt.getByLabel("Gateway answer").textContent(), { timeout: 30_000 }).toContain("Routed to tiny-gpt2");
      await eventually(page, stat("Calls"), /^Calls6$/);

      // the window selector asks again
      await page.getByLabel("Window").selectOption("1");
      await expect.poll(() => stat("Calls")().textContent()).toBe("Calls6");

      // edit the router's config in place: the rule's threshold moves to 60 characters
      await page.getByRole("button", { name: "Edit", exact: true }).click();
      const edit = page.getByRole("form", { name: "Edit router" });
      expect(await edit.getByLabel("Rule 1 value").inputValue()).toBe("40");
      await edit.getByLabel("Rule 1 value").fill("60");
      await edit.getByRole("button", { name: "Save changes" }).click();
      await page.getByText(`Saved router ${routerName}.`).waitFor();
      await page.getByText("if length > 60 chars").waitFor();
    });
  }, 180_000);

  it("creates a learned router and says why it cannot train yet", async () => {
    const name = `learned-${uniq()}`;
    await withPage(browser, "routing-learned", async (page) => {
      await signIn(page);
      await page.goto(url("/demo/routing"));
      const form = page.getByRole("form", { name: "New router" });
      await form.getByLabel("Router name").fill(name);
      await form.getByLabel("Kind").selectOption("learned");
      // a small target without rated calls (the demo seed rates tiny-gpt2's), so training must refuse
      await form.getByLabel("Small target").selectOption("tiny-bert-sentiment");
      await form.getByLabel("Large target").selectOption("tiny-gpt2");
      await form.getByLabel("Exact response cache").check();
      await form.getByRole("button", { name: "Create router" }).click();
      await page.getByText(`Created router ${name}.`).waitFor();
      // the same name again: the server's 409 lands under the name
      await form.getByLabel("Router name").fill(name);
      await form.getByLabel("Small target").selectOption("tiny-bert-sentiment");
      await form.getByLabel("Large target").selectOption("tiny-gpt2");
      await form.getByRole("button", { name: "Create router" }).click();
      await expect.poll(() => errorUnder(form.getByLabel("Router name"))).toContain(`router named ${name} already exists`);
      await page.getByRole("table", { name: "Routers" }).getByRole("link", { name }).click();
      await page.getByRole("heading", { level: 1, name }).waitFor();
      await page.getByText("Not trained yet").waitFor();
      const train = page.getByRole("form", { name: "Train router" });
      const trains: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("routing.train")) trains.push(r.url());
      });
      // the training schema's range, checked in the browser: no request
      await train.getByLabel("Target share of large calls").fill("2");
      await train.getByRole("button", { name: "Train router" }).click();
      await expect
        .poll(() => errorUnder(train.getByLabel("Target share of large calls")))
        .toBe("The target share of large calls is between 0 and 1");
      expect(trains).toEqual([]);
      await train.getByLabel("Target share of large calls").fill("");
      await train.getByLabel("Training source").selectOption("ratings");
      await train.getByRole("button", { name: "Train router" }).click();
      await expect.poll(() => train.getByRole("alert").textContent()).toContain("needs at least 10");
      await page.getByRole("group", { name: "Calls", exact: true }).getByText("0").waitFor();

      // editing a learned router: its saved targets in the form, a negative margin refused under the field, no request
      const updates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("routing.update")) updates.push(r.url());
      });
      await page.getByRole("button", { name: "Edit", exact: true }).click();
      const edit = page.getByRole("form", { name: "Edit router" });
      expect(await edit.getByLabel("Small target").inputValue()).toBe("tiny-bert-sentiment");
      await edit.getByLabel("Label margin").fill("-1");
      await edit.getByRole("button", { name: "Save changes" }).click();
      await expect.poll(() => errorUnder(edit.getByLabel("Label margin"))).toBe("The margin is 0 or more");
      expect(updates).toEqual([]);
      await edit.getByRole("button", { name: "Cancel" }).click();

      // Try it: the gateway refuses an untrained learned router, and the form says why
      const tryIt = page.getByRole("form", { name: "Try it" });
      await tryIt.getByLabel("Prompt").fill("hello");
      await tryIt.getByRole("button", { name: "Send" }).click();
      await expect.poll(() => tryIt.getByRole("alert").textContent()).toContain("secret API key");
      await tryIt.getByLabel("Secret API key").fill(app?.key ?? "");
      await tryIt.getByRole("button", { name: "Send" }).click();
      await expect.poll(() => tryIt.getByRole("alert").textContent(), { timeout: 30_000 }).toContain("no trained model");
    });
  }, 120_000);
});
