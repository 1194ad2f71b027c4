import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFakeOpenAI } from "../sdk/fake-openai";
import { errorUnder, launch, signInAs, withPage } from "./browser";
import { httpClient } from "./http";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const uniq = () => randomBytes(5).toString("hex");
const http = httpClient(app);

const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

/** The answer panel of a target, once its run is done (or failed: the test then shows why). */
async function answer(page: Page, title: string) {
  const panel = page.getByRole("region", { name: `Answer of ${title}` });
  await panel.getByText(/^(done|error)$/).waitFor({ timeout: 60_000 });
  const alert = panel.getByRole("alert");
  if (await alert.count()) throw new Error(`${title} failed: ${await alert.textContent()}`);
  return panel;
}

describe.skipIf(Boolean(skip))(`the playground in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("streams a deployment's answer, compares it with a router, saves a prompt version, runs it, and adds the answer to a dataset", async () => {
    const promptName = `pg-prompt-${uniq()}`;
    const dataset = `pg-ds-${uniq()}`;
    await withPage(browser, "playground", async (page) => {
      await signIn(page);
      await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Playground" }).first().click();
      await page.getByRole("heading", { level: 1, name: "Playground" }).waitFor();

      // the server's own schema refuses an empty run in the browser, before any request
      const calls: string[] = [];
      page.on("request", (r) => {
        if (r.url().endsWith("/playground")) calls.push(r.url());
      });
      await page.getByRole("button", { name: "Run" }).click();
      await page.getByText("Pick a deployment or router").waitFor();
      expect(calls).toEqual([]);

      const first = page.getByRole("group", { name: "Target 1" });
      await first.getByLabel("Model").selectOption("tiny-gpt2");
      await page.getByLabel("Message 1", { exact: true }).fill("The capital of {{country}} is");
      await page.getByText("Parameters", { exact: true }).click();
      await page.getByLabel("Max tokens").fill("6");
      await page.getByLabel("Temperature").fill("0");

      // the server's refusal naming a parameter lands under it: a local model applies no penalties
      await page.getByLabel("Presence penalty").fill("1");
      await page.getByRole("button", { name: "Run" }).click();
      await expect.poll(() => errorUnder(page.getByLabel("Presence penalty")), { timeout: 30_000 }).toMatch(/local model/);
      expect(calls).toHaveLength(1);
      await page.getByLabel("Presence penalty").fill("");

      // streamed: the answer arrives as SSE chunks and fills the panel
      const streamed = page.waitForResponse((r) => r.url().endsWith("/playground"));
      await page.getByRole("button", { name: "Run" }).click();
      const res = await streamed;
      expect(res.headers()["content-type"]).toMatch(/^text\/event-stream/);
      expect(res.headers()["x-keel-trace-id"]).toBeTruthy();
      const one = await answer(page, "tiny-gpt2");
      const text = (await one.getByRole("status", { name: "Output" }).textContent()) ?? "";
      expect(text.trim().length).toBeGreaterThan(0);
      await expect.poll(async () => one.getByText(/ in \/ \d+ out/).count()).toBe(1);
      const traceLink = one.getByRole("link", { name: "Open the trace" });
      expect(await traceLink.getAttribute("href")).toBe(`/demo/logs/traces/${res.headers()["x-keel-trace-id"]}`);

      // compare: a router beside the deployment, on the same input; the router's decision is shown
      await page.getByRole("button", { name: "Compare" }).click();
      await page.getByRole("group", { name: "Target 2" }).getByLabel("Model").selectOption("router:demo-router");
      await page.getByRole("button", { name: "Run" }).click();
      const left = await answer(page, "tiny-gpt2");
      const right = await answer(page, "router:demo-router");
      expect(((await left.getByRole("status", { name: "Output" }).textContent()) ?? "").trim()).toBe(text.trim());
      await right.getByText(/Router demo-router sent it to/).waitFor();
      expect(((await right.getByRole("status", { name: "Output" }).textContent()) ?? "").length).toBeGreaterThan(0);

      // save the messages and parameters as a new prompt's first version
      const save = page.getByRole("form", { name: "Save as prompt version" });
      await save.getByLabel("Prompt", { exact: true }).fill(promptName);
      await save.getByRole("button", { name: "Save as prompt version" }).click();
      await save.getByText(`Saved ${promptName} version 1.`).waitFor();

      // ...and run that version alone, its {{country}} filled in
      await page.getByRole("group", { name: "Target 2" }).getByRole("button", { name: "Remove this target" }).click();
      await page.getByLabel("Message 1", { exact: true }).fill("");
      await first.getByLabel("Target", { exact: true }).selectOption("prompt");
      await first.getByLabel("Prompt", { exact: true }).selectOption(promptName);
      await first.getByLabel("{{country}}").fill("France");
      await page.getByRole("button", { name: "Run" }).click();
      const prompted = await answer(page, `prompt ${promptName} v1`);
      expect(((await prompted.getByRole("status", { name: "Output" }).textContent()) ?? "").trim().length).toBeGreaterThan(0);
      // the trace is written (its cost shown) before it is added to a dataset
      await expect.poll(async () => prompted.getByText(/^\$/).count(), { timeout: 20_000 }).toBe(1);

      const add = page.getByRole("form", { name: "Add to dataset" });
      await add.getByLabel("Dataset").fill(dataset);
      await add.getByRole("button", { name: "Add to dataset" }).click();
      await add.getByText("1 added: version 1 holds 1 rows.").waitFor();
    });
  });

  it("keeps its inputs across a reload until Reset, and stops a streamed run keeping the text so far", async () => {
    // a provider deployment on a fake upstream whose stream would take 30 s ("Hel", then " tick" every 100 ms)
    const fake = await startFakeOpenAI();
    const id = uniq();
    const slow = `slow-${id}`;
    await http.trpc("serving.providers.create", { projectId: "demo", name: `fake-${id}`, baseUrl: fake.url, apiKey: "up-secret" });
    await http.trpc("serving.deployments.create", {
      projectId: "demo",
      name: slow,
      kind: "provider",
      task: "chat",
      provider: `fake-${id}`,
      providerModel: "stream-slow",
    });
    try {
      await withPage(browser, "playground-stop", async (page) => {
        await signIn(page);
        await page.goto(`${app?.url}/demo/playground`);
        const first = page.getByRole("group", { name: "Target 1" });
        const message = page.getByLabel("Message 1", { exact: true });
        await first.getByLabel("Model").selectOption(slow);
        await message.fill("Count slowly");
        await page.getByText("Parameters", { exact: true }).click();
        await page.getByLabel("Temperature").fill("0.3");
        await page.getByRole("button", { name: "Compare" }).click();
        await page.getByRole("group", { name: "Target 2" }).getByLabel("Model").selectOption("tiny-gpt2");

        // a reload brings every input back, the saved models selected once their options load
        await page.reload();
        await expect.poll(() => first.getByLabel("Model").inputValue()).toBe(slow);
        expect(await message.inputValue()).toBe("Count slowly");
        expect(await page.getByLabel("Temperature").inputValue()).toBe("0.3");
        await expect.poll(() => page.getByRole("group", { name: "Target 2" }).getByLabel("Model").inputValue()).toBe("tiny-gpt2");

        // a streamed run stopped after its first token: the button is Run again, the text so far kept
        await page.getByRole("group", { name: "Target 2" }).getByRole("button", { name: "Remove this target" }).click();
        const streamed = page.waitForResponse((r) => r.url().endsWith("/playground"));
        await page.getByRole("button", { name: "Run", exact: true }).click();
        const traceId = (await streamed).headers()["x-keel-trace-id"] as string;
        const panel = page.getByRole("region", { name: `Answer of ${slow}` });
        const output = panel.getByRole("status", { name: "Output" });
        await panel.getByText(/^Hel/).waitFor();
        await page.getByRole("button", { name: "Stop", exact: true }).click();
        await page.getByRole("button", { name: "Run", exact: true }).waitFor();
        await panel.getByText("stopped", { exact: true }).waitFor();
        const kept = (await output.textContent()) ?? "";
        expect(kept).toMatch(/^Hel( tick)*$/);
        expect(await panel.getByRole("alert").count()).toBe(0);
        // the connection is closed: the upstream's stream is cut, and the call is logged as cut
        await expect.poll(() => fake.cut, { timeout: 20_000 }).toContain("stream-slow");
        await expect
          .poll(
            async () =>
              (await http.trpc<{ trace: { status: string } }>("logs.traces.get", { projectId: "demo", traceId }, "GET").catch(() => null))
                ?.trace.status,
            { timeout: 20_000 },
          )
          .toBe("error");
        const logged = await http.trpc<{ observations: { statusMessage: string | null }[] }>(
          "logs.traces.get",
          { projectId: "demo", traceId },
          "GET",
        );
        expect(logged.observations.map((o) => o.statusMessage)).toContain("client went away");
        expect(await output.textContent()).toBe(kept);

        // Reset: the defaults, and nothing saved (a reload keeps them)
        await page.getByRole("button", { name: "Reset", exact: true }).click();
        await expect.poll(() => message.inputValue()).toBe("");
        expect(await first.getByLabel("Model").inputValue()).toBe("");
        expect(await panel.count()).toBe(0);
        expect(await page.evaluate(() => localStorage.getItem("keel.playground.demo"))).toBeNull();
        await page.reload();
        await page.getByRole("button", { name: "Run", exact: true }).waitFor();
        expect(await message.inputValue()).toBe("");

        // a saved state out of shape is dropped, not shown
        await page.evaluate(() => localStorage.setItem("keel.playground.demo", JSON.stringify({ targets: "nope", mode: "chat" })));
        await page.reload();
        await page.getByRole("button", { name: "Run", exact: true }).waitFor();
        expect(await first.getByLabel("Model").inputValue()).toBe("");
        expect(await page.evaluate(() => localStorage.getItem("keel.playground.demo"))).toBeNull();
      });
    } finally {
      await fake.close();
    }
  });
});
