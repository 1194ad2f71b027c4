import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signInAs, withPage } from "./browser";
import { httpClient } from "./http";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const { url, auth, trpc } = httpClient(app);
const uniq = () => randomBytes(5).toString("hex");

const XSS = "<script>alert(1)</script>";
const LONG_ANSWER = Array.from({ length: 40 }, (_, i) => `Answer line ${i + 1}.`).join("\n");

/** A trace logged the way an OpenAI app logs it: `{model, messages}` in, a chat completion out; tool calls included. */
async function ingestOpenAiTrace(extra: Record<string, unknown> = {}) {
  const id = `trace-view-${uniq()}`;
  const tag = `trace-view-${uniq()}`;
  const res = await fetch(url("/api/v1/ingest"), {
    method: "POST",
    headers: auth(),
    body: JSON.stringify({
      batch: [
        {
          type: "trace",
          id,
          body: {
            name: id,
            tags: [tag],
            input: {
              model: "gpt-4o-mini",
              messages: [
                { role: "system", content: "You are a weather bot." },
                { role: "user", content: `What is the weather in Oslo? ${XSS}` },
                {
                  role: "assistant",
                  content: null,
                  tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }],
                },
                { role: "tool", tool_call_id: "call_1", content: "-3 C and snowing" },
              ],
            },
            output: {
              id: "chatcmpl-1",
              choices: [{ index: 0, message: { role: "assistant", content: LONG_ANSWER }, finish_reason: "stop" }],
            },
            ...extra,
          },
        },
      ],
    }),
  });
  expect(res.status).toBe(207);
  expect((await res.json()).results.map((r: { status: number }) => r.status)).toEqual([201]);
  return { id, tag };
}

/** The demo user, landing on the demo project. */
const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());
const blur = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

describe.skipIf(Boolean(skip))(`the trace page reads like a conversation, in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("shows an OpenAI messages input as bubbles with its tool call, raw JSON on demand, markup as text, a folded long answer", async () => {
    if (!app) return;
    const { id: projectId } = await trpc("workspace.projects.get", { projectId: "demo" }, "GET");
    const model = `tiny-gpt2-${uniq()}`;
    await trpc("registry.models.create", { projectId, name: model });
    const version = await trpc("registry.versions.createFromUri", { projectId, model, uri: "s3://models/tiny" });
    const { id } = await ingestOpenAiTrace({ modelVersionId: version.id });

    await withPage(browser, "trace-view-chat", async (page) => {
      const dialogs: string[] = [];
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await signIn(page);
      await page.goto(url(`/demo/logs/traces/${id}`));

      const input = page.getByRole("list", { name: "Input messages" });
      await input.waitFor();
      expect(await input.locator("> li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-role")))).toEqual([
        "system",
        "user",
        "assistant",
        "tool",
      ]);
      // logged markup is text: shown as typed, no script element, no dialog
      await input.getByText(`What is the weather in Oslo? ${XSS}`).waitFor();
      expect(await page.locator("main script").count()).toBe(0);
      // the tool call with its arguments as formatted JSON, and its result linked to it by id
      const call = input.getByRole("figure", { name: "Tool call get_weather" });
      expect(await call.locator("pre").textContent()).toBe('{\n  "city": "Oslo"\n}');
      const link = input.getByRole("figure", { name: "Tool result of get_weather" }).getByRole("link", { name: "of get_weather (call_1)" });
      expect(await link.getAttribute("href")).toBe(`#${await call.getAttribute("id")}`);

      // the long answer folds after 20 lines
      const output = page.getByRole("list", { name: "Output messages" });
      await output.getByText(/Answer line 20\./).waitFor();
      expect(await output.getByText(/Answer line 40\./).count()).toBe(0);
      await output.getByRole("button", { name: /Show more/ }).click();
      await output.getByText(/Answer line 40\./).waitFor();
      await output.getByRole("button", { name: "Show less" }).click();
      expect(await output.getByText(/Answer line 40\./).count()).toBe(0);

      // the raw toggle shows what was logged
      await page.getByRole("button", { name: "Raw JSON" }).click();
      const rawInput = page.locator("pre", { hasText: '"model": "gpt-4o-mini"' });
      await rawInput.waitFor();
      expect(await input.count()).toBe(0);
      // long raw JSON folds too (the request is more than 20 lines pretty-printed)
      await page
        .getByRole("button", { name: /Show more/ })
        .first()
        .click();
      await expect.poll(() => rawInput.textContent()).toContain('"tool_call_id": "call_1"');
      await page.getByRole("button", { name: "Raw JSON" }).click();
      await input.waitFor();

      // the model version by its registry name, linked to its page
      const versionLink = page.getByRole("link", { name: `${model} v1` });
      expect(await versionLink.getAttribute("href")).toBe(`/demo/registry/models/${model}/versions/1`);
      expect(dialogs).toEqual([]);
    });
  });

  it("shows an Anthropic request and an OTel GenAI reply as the same bubbles", async () => {
    if (!app) return;
    const { id } = await ingestOpenAiTrace({
      input: {
        model: "claude-3-5-haiku",
        system: "You are a weather bot.",
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "rainy, 14 C" }] },
        ],
      },
      output: [{ role: "assistant", parts: [{ type: "text", content: "Rainy in Paris today." }], finish_reason: "stop" }],
    });
    await withPage(browser, "trace-view-shapes", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/logs/traces/${id}`));
      const input = page.getByRole("list", { name: "Input messages" });
      await input.getByRole("figure", { name: "Tool result of get_weather" }).getByText("rainy, 14 C").waitFor();
      expect(await input.locator("> li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-role")))).toEqual([
        "system",
        "user",
        "assistant",
        "user",
      ]);
      expect(await input.getByRole("figure", { name: "Tool call get_weather" }).locator("pre").textContent()).toBe(
        '{\n  "city": "Paris"\n}',
      );
      await page.getByRole("list", { name: "Output messages" }).getByText("Rainy in Paris today.").waitFor();
    });
  });

  it("rates with y then Enter, shows the keys with ?, and sums the scores up per name in the header", async () => {
    if (!app) return;
    const { id } = await ingestOpenAiTrace();
    await withPage(browser, "trace-view-keys", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/logs/traces/${id}`));
      await page.getByRole("list", { name: "Input messages" }).waitFor();
      await page.getByText("No ratings yet", { exact: true }).waitFor();

      await blur(page);
      await page.keyboard.press("?");
      const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
      await help.waitFor();
      expect(await help.getByText("Skip this item").count()).toBe(0); // nothing to skip to on a trace
      await page.keyboard.press("Escape");
      await help.waitFor({ state: "detached" });

      // the keys drive the first boolean config (or the default "user-feedback"): other tests may add configs to "demo"
      const thumbs = page.locator('[data-shortcut="thumbs"]');
      await page.keyboard.press("y");
      await expect.poll(() => thumbs.getByRole("button", { name: "Thumbs up" }).getAttribute("aria-pressed")).toBe("true");
      await page.keyboard.press("Enter");
      await page.getByRole("table", { name: "Ratings" }).getByText("Thumbs up").waitFor();
      await expect.poll(() => page.getByTestId("trace-scores").textContent()).toMatch(/up\s*1\s*down\s*0\s*\(100% up\)/);
    });
  });

  it("in a queue: the same conversation view, y then Enter submits, ? lists s for skip", async () => {
    if (!app) return;
    const { id: traceId } = await ingestOpenAiTrace();
    const { id: projectId } = await trpc("workspace.projects.get", { projectId: "demo" }, "GET");
    const good = await trpc("logs.scoreConfigs.create", { projectId, name: `good-${uniq()}`, dataType: "boolean" });
    const queue = await trpc("logs.queues.create", { projectId, name: `Trace view ${uniq()}`, scoreConfigIds: [good.id] });
    await trpc("logs.queues.addItems", { projectId, queueId: queue.id, items: { traceIds: [traceId] } });

    await withPage(browser, "trace-view-queue", async (page) => {
      await signIn(page);
      await page.goto(url(`/demo/logs/queues/${queue.id}`));
      await page.getByRole("button", { name: "Start reviewing" }).click();
      await page.getByRole("list", { name: "Input messages" }).getByRole("figure", { name: "Tool call get_weather" }).waitFor();

      await blur(page);
      await page.keyboard.press("?");
      await page.getByRole("dialog", { name: "Keyboard shortcuts" }).getByText("Skip this item").waitFor();
      await page.keyboard.press("?");
      await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor({ state: "detached" });

      await page.keyboard.press("y");
      const yes = page.getByRole("form", { name: "Rate this item" }).getByRole("button", { name: "Yes", exact: true });
      await expect.poll(() => yes.getAttribute("aria-pressed")).toBe("true");
      await page.keyboard.press("Enter");
      await page.getByText("Queue complete — nothing left for you").waitFor();
    });
    const stats = await trpc("logs.queues.stats", { projectId: "demo", queueId: queue.id }, "GET");
    expect(stats).toMatchObject({ total: 1, done: 1, mine: 1 });
  });

  it("keeps the rating form in view beside a long trace at desktop width", async () => {
    if (!app) return;
    const { id } = await ingestOpenAiTrace();
    await withPage(browser, "trace-view-sticky", async (page) => {
      await page.setViewportSize({ width: 1440, height: 900 });
      await signIn(page);
      await page.goto(url(`/demo/logs/traces/${id}`));
      const output = page.getByRole("list", { name: "Output messages" });
      await output.getByRole("button", { name: /Show more/ }).click();
      const form = page.getByRole("form", { name: "Rate this trace" });
      await form.waitFor();
      const before = await form.boundingBox();
      const conversation = await output.boundingBox();
      // beside the conversation, not under it
      expect(before?.x).toBeGreaterThan((conversation?.x ?? 0) + (conversation?.width ?? 0));
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
      const after = await form.boundingBox();
      expect(after?.y).toBeGreaterThanOrEqual(0);
      expect(after?.y).toBeLessThan(900);
    });
  });

  it("fits a phone: the rating form stacks below the conversation without sideways scrolling", async () => {
    if (!app) return;
    const { id } = await ingestOpenAiTrace();
    await withPage(browser, "trace-view-phone", async (page) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await signIn(page);
      await page.goto(url(`/demo/logs/traces/${id}`));
      await page.getByRole("list", { name: "Input messages" }).waitFor();
      const form = page.getByRole("form", { name: "Rate this trace" });
      await form.waitFor();
      const conversation = await page.getByRole("list", { name: "Output messages" }).boundingBox();
      const formBox = await form.boundingBox();
      expect(formBox?.y).toBeGreaterThan((conversation?.y ?? 0) + (conversation?.height ?? 0));
      const main = await page.locator("main").evaluate((m) => ({ scroll: m.scrollWidth, client: m.clientWidth }));
      expect(main.scroll).toBeLessThanOrEqual(main.client);
    });
  });
});
