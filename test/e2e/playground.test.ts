import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { errorUnder, launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const uniq = () => randomBytes(5).toString("hex");

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
});
