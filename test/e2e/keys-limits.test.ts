import { randomBytes } from "node:crypto";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFakeOpenAI } from "../sdk/fake-openai";
import { errorUnder, launch, signInAs, withPage } from "./browser";
import { httpClient } from "./http";

/**
 * Gateway keys with limits in the console (issue 20): a secret key created with limits (the schema's
 * and the server's refusals under their fields), listed with them, edited, used for a gateway call to a
 * provider deployment on a loopback fake upstream (keel-process allows 127.0.0.0/8), and its spend
 * seen on the key's page and in the team view; the key's page links its traces in the explorer.
 */

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const http = httpClient(app);
const url = (p: string) => `${app?.url}${p}`;
const id = randomBytes(4).toString("hex");
const deployment = `mini-${id}`;
const keyName = `limited ${id}`;
const user = `alice-${id}`;
/** the fake upstream answers 12 prompt + 3 completion tokens, priced at 0.15 / 0.6 USD per 1k */
const CALL_COST = "$0.003600";
const nextYear = `${new Date().getUTCFullYear() + 1}-01-01`;

/** Reload until `locator`'s text matches (a call's spend is written with its trace, a moment after the response). */
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

async function chat(key: string, model: string) {
  const res = await fetch(url("/api/v1/chat/completions"), {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, user, messages: [{ role: "user", content: "Capital of France?" }] }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe.skipIf(Boolean(skip))(`gateway keys with limits in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
  beforeAll(async () => {
    browser = await launch();
    fake = await startFakeOpenAI();
    await http.trpc("serving.providers.create", { projectId: "demo", name: `fake-${id}`, baseUrl: fake.url, apiKey: "up-secret" });
    await http.trpc("serving.deployments.create", {
      projectId: "demo",
      name: deployment,
      kind: "provider",
      task: "chat",
      provider: `fake-${id}`,
      providerModel: "gpt-4o-mini",
      inputPricePer1k: 0.15,
      outputPricePer1k: 0.6,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await fake?.close();
  });

  it("creates a key with limits, edits them, and shows a gateway call's spend on the key's page and in the team view", async () => {
    await withPage(browser, "keys-limits", async (page) => {
      await signInAs(page, app?.url ?? "", app?.email ?? "", app?.password ?? "", "/demo");
      const creates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("workspace.keys.create")) creates.push(r.url());
      });
      await page.goto(url("/demo/settings"));
      const form = page.getByRole("form", { name: "Create API key" });
      await form.getByLabel("Key name").fill(keyName);
      await form.getByRole("button", { name: "Limits (optional)" }).click();
      const rpm = form.getByLabel("Requests per minute");
      const budget = form.getByLabel("Budget (USD)");
      const mode = form.getByLabel("Budget mode");
      const expires = form.getByLabel("Expires on");

      // the server's own schema, in the browser: rpm 0 and a budget mode without a budget, under their fields
      await rpm.fill("0");
      await mode.selectOption("hard");
      await form.getByRole("button", { name: "Create key" }).click();
      await expect.poll(() => errorUnder(rpm)).toBe("Must be at least 1");
      expect(await errorUnder(mode)).toMatch(/^Needs a budget \(USD\)/);
      expect(await rpm.getAttribute("aria-invalid")).toBe("true");
      expect(creates).toEqual([]);

      // an expiry in the past passes the schema; the server's 400 lands under the field
      await rpm.fill("60");
      await budget.fill("0.01");
      await form.getByLabel("Budget period").selectOption("day");
      await expires.fill("2020-01-01");
      await form.getByRole("button", { name: "Create key" }).click();
      await expect.poll(() => errorUnder(expires)).toMatch(/is not in the future/);
      expect(creates).toHaveLength(1);

      // allowed deployments by plain click; then the key is created and shown once
      await expires.fill(nextYear);
      await form.getByRole("group", { name: "Allowed deployments and routers" }).getByRole("checkbox", { name: deployment }).check();
      await form.getByRole("button", { name: "Create key" }).click();
      const key = (await page.getByTestId("new-key").locator("code").textContent())?.trim() ?? "";
      expect(key).toMatch(/^sk_/);
      expect(creates).toHaveLength(2);

      const table = page.getByRole("table", { name: "API keys" });
      const row = table.getByRole("row").filter({ hasText: keyName });
      await expect
        .poll(() => row.getByRole("cell").nth(3).textContent())
        .toBe(`60 rpm · $0.01/day hard · only ${deployment} · expires ${nextYear}`);
      expect(await row.getByRole("cell").nth(4).textContent()).toBe("$0 / today");

      // edit: rpm 0 is refused under the field; an emptied rpm is removed, a tpm added, the budget made monthly and soft
      await row.getByRole("button", { name: `Edit limits of ${keyName}` }).click();
      const edit = page.getByRole("form", { name: `Edit limits of ${keyName}` });
      expect(await edit.getByLabel("Requests per minute").inputValue()).toBe("60");
      expect(await edit.getByLabel("Budget (USD)").inputValue()).toBe("0.01");
      expect(await edit.getByLabel("Expires on").inputValue()).toBe(nextYear);
      await edit.getByLabel("Requests per minute").fill("0");
      await edit.getByRole("button", { name: "Save limits" }).click();
      await expect.poll(() => errorUnder(edit.getByLabel("Requests per minute"))).toBe("Must be at least 1");
      await edit.getByLabel("Requests per minute").fill("");
      await edit.getByLabel("Tokens per minute").fill("100000");
      await edit.getByLabel("Budget period").selectOption("month");
      await edit.getByLabel("Budget mode").selectOption("soft");
      await edit.getByRole("button", { name: "Save limits" }).click();
      await page.getByText(`Saved the limits of ${keyName}.`).waitFor();
      await expect
        .poll(() => row.getByRole("cell").nth(3).textContent())
        .toBe(`100K tpm · $0.01/month soft · only ${deployment} · expires ${nextYear}`);

      // the key calls its allowed deployment through the gateway, and nothing else
      const ok = await chat(key, deployment);
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.headers.get("x-keel-budget-limit-usd")).toBe("0.01");
      const refused = await chat(key, "tiny-gpt2");
      expect(refused.status).toBe(403);
      expect(refused.body.error?.code).toBe("model_not_allowed");

      // the table's spend this period, then the key's page: spend, remaining budget, and the charts' data
      await eventually(page, () => row.getByRole("cell").nth(4), new RegExp(`^\\${CALL_COST} / this month$`));
      await row.getByRole("link", { name: keyName }).click();
      await page.getByRole("heading", { level: 1, name: keyName }).waitFor();
      const stat = (name: string) => page.getByRole("group", { name, exact: true });
      expect(await stat("Spent this month (UTC)").textContent()).toContain(CALL_COST);
      expect(await stat("Remaining budget").textContent()).toContain("$0.006400");
      expect(await stat("Budget").textContent()).toBe("Budget$0.01 per month, soft");
      const spendChart = page.getByRole("figure", { name: "Spend" });
      await spendChart.getByRole("button", { name: "Show as table" }).click();
      await expect.poll(() => spendChart.getByRole("table").textContent()).toContain(CALL_COST);
      const requests = page.getByRole("figure", { name: "Requests" });
      await requests.getByRole("button", { name: "Show as table" }).click();
      const hours = await requests.getByRole("table").getByRole("row").allTextContents();
      expect(hours.filter((h) => /1$/.test(h))).toHaveLength(1);
      // the 7-day view sums the same call into today's UTC day
      await page.getByRole("button", { name: "Last 7 days" }).click();
      await page.getByRole("heading", { name: "Usage · last 7 days" }).waitFor();
      const days = page.getByRole("figure", { name: "Tokens" });
      await days.getByRole("button", { name: "Show as table" }).click();
      const tokenDays = await days.getByRole("table").getByRole("row").allTextContents();
      expect(tokenDays.filter((d) => /\D15$/.test(d))).toHaveLength(1);

      // the team view, from the routing page: per key (by name), per user, per deployment
      await page.goto(url("/demo/routing"));
      await page.getByRole("link", { name: "Spend", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: "Team spend" }).waitFor();
      const cells = (table: string, name: string) =>
        page.getByRole("table", { name: table }).getByRole("row").filter({ hasText: name }).getByRole("cell").allTextContents();
      await expect.poll(() => cells("Per key", keyName)).toEqual([keyName, CALL_COST, "1", "15"]);
      expect(await cells("Per user", user)).toEqual([user, CALL_COST, "1", "15"]);
      expect(await cells("Per deployment", deployment)).toEqual([deployment, CALL_COST, "1", "15"]);
      await page.getByRole("table", { name: "Per key" }).getByRole("link", { name: keyName }).click();
      await page.getByRole("heading", { level: 1, name: keyName }).waitFor();

      // the key's Traces: the explorer filtered by its one call (?key=), the chip naming it; the trace links back to the key
      await page.getByRole("link", { name: "Traces", exact: true }).click();
      await page.waitForURL(/\/demo\/logs\?key=[0-9a-f-]{36}$/);
      const chip = new RegExp(`^Remove filter key: ${keyName} \\(sk_`);
      await page.getByRole("list", { name: "Active filters" }).getByRole("button", { name: chip }).waitFor();
      const traces = page.getByRole("table", { name: "Traces" });
      await expect.poll(() => traces.locator("tbody tr").count()).toBe(1);
      await traces.locator("tbody tr").first().getByRole("link").first().click();
      await page.waitForURL(/\/demo\/logs\/traces\//);
      await page.getByRole("link", { name: new RegExp(`^${keyName} \\(sk_`) }).click();
      await page.getByRole("heading", { level: 1, name: keyName }).waitFor();

      // back on the key's page, its budget removed: an emptied budget with its mode left is refused under the mode
      await page.getByRole("button", { name: "Edit limits" }).click();
      const again = page.getByRole("form", { name: `Edit limits of ${keyName}` });
      await again.getByLabel("Budget (USD)").fill("");
      await again.getByRole("button", { name: "Save limits" }).click();
      await expect.poll(() => errorUnder(again.getByLabel("Budget mode"))).toMatch(/^Needs a budget \(USD\)/);
      await again.getByLabel("Budget period").selectOption("");
      await again.getByLabel("Budget mode").selectOption("");
      await again.getByRole("button", { name: "Save limits" }).click();
      await page.getByText(`Saved the limits of ${keyName}.`).waitFor();
      await expect.poll(() => stat("Budget").textContent()).toBe("BudgetNone");
      expect(await stat("Remaining budget").textContent()).toBe("Remaining budget—");
      await page.getByText(`100K tpm · only ${deployment} · expires ${nextYear}`).waitFor();
    });
  }, 180_000);
});
