import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { errorUnder, launch, signInAs, withPage } from "./browser";
import { httpClient } from "./http";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const { url, auth, trpc } = httpClient(app);
const uniq = () => randomBytes(5).toString("hex");

/** Three chat traces in project "demo" sharing a fresh tag; returns the tag and each trace's question. */
async function ingestThree() {
  const tag = `queue-e2e-${uniq()}`;
  const questions = [1, 2, 3].map((i) => `Question ${i} for ${tag}: what do otters eat?`);
  const res = await fetch(url("/api/v1/ingest"), {
    method: "POST",
    headers: auth(),
    body: JSON.stringify({
      batch: questions.map((q, i) => ({
        type: "trace",
        id: `${tag}-${i}`,
        body: {
          name: `otters-${i}`,
          tags: [tag],
          input: [{ role: "user", content: q }],
          output: { role: "assistant", content: `Answer ${i}: fish and shellfish.` },
        },
      })),
    }),
  });
  expect(res.status).toBe(207);
  expect((await res.json()).results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201]);
  return { tag, questions };
}

/** The demo user, landing on the demo project. */
const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

describe.skipIf(Boolean(skip))(`annotation queues in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(() => browser?.close());

  it("creates a queue from a tag filter and works through it with the mouse and the keyboard", async () => {
    if (!app) return;
    const { tag, questions } = await ingestThree();
    const helpful = `helpful-${uniq()}`;
    const stars = `stars-${uniq()}`;
    // Creates take the project's id: the server spreads the input over the project id it resolved.
    const { id: projectId } = await trpc("workspace.projects.get", { projectId: "demo" }, "GET");
    await trpc("logs.scoreConfigs.create", { projectId, name: helpful, dataType: "boolean" });
    await trpc("logs.scoreConfigs.create", { projectId, name: stars, dataType: "numeric", min: 1, max: 5 });
    const queueName = `Otters ${uniq()}`;

    let queueId = "";
    await withPage(browser, "queues-review", async (page) => {
      await signIn(page);
      await page.goto(url("/demo/logs/queues"));
      await page.getByRole("heading", { name: "Annotation queues", exact: true }).waitFor();

      // the new-queue form, filled from the tag filter
      await page.getByRole("button", { name: "New queue" }).click();
      const form = page.getByRole("form", { name: "New queue" });
      await form.getByLabel("Queue name").fill(queueName);
      // the server's queueInput, in the browser: a queue rates at least one score, said before any request
      await form.getByRole("button", { name: "Create queue" }).click();
      await form.getByText("Pick at least one score config").waitFor();
      await form.getByRole("checkbox", { name: new RegExp(helpful) }).check();
      await form.getByRole("checkbox", { name: new RegExp(stars) }).check();
      // the quick score config checks the server's scoreConfigInput before sending; a taken name is the server's 409
      const configCreates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("logs.scoreConfigs.create")) configCreates.push(r.url());
      });
      await form.getByRole("button", { name: "+ New score config" }).click();
      await form.getByRole("button", { name: "Add score" }).click();
      await expect.poll(() => errorUnder(form.getByLabel("Score name"))).toBe("Enter a config name");
      expect(configCreates).toEqual([]);
      await form.getByLabel("Score name").fill(helpful);
      await form.getByRole("button", { name: "Add score" }).click();
      await expect.poll(() => errorUnder(form.getByLabel("Score name"))).toBe(`A score config named ${helpful} already exists`);
      expect(configCreates).toHaveLength(1);
      await form.getByLabel("Tags", { exact: true }).fill(tag);
      await form.getByRole("button", { name: "Create queue" }).click();
      await page.getByText("Added 3 traces").waitFor();
      await page.getByRole("table", { name: "Annotation queues" }).getByRole("link", { name: queueName }).waitFor();
      await page.getByRole("link", { name: "Open queue" }).click();
      await page.waitForURL(/\/demo\/logs\/queues\/[0-9a-f-]{36}$/);
      queueId = new URL(page.url()).pathname.split("/").at(-1) ?? "";
      await page.getByRole("heading", { name: queueName }).waitFor();
      expect(await page.getByTestId("queue-done").textContent()).toBe("0 / 3");

      await page.getByRole("button", { name: "Start reviewing" }).click();
      const form2 = page.getByRole("form", { name: "Rate this item" });
      const yes = form2.getByRole("button", { name: "Yes", exact: true });
      const seen: string[] = [];
      /** Waits for item n (1-based): its conversation shown, a fresh form, n-1 done by me. */
      const itemLoaded = async (n: number) => {
        await expect.poll(() => page.getByTestId("queue-mine").textContent()).toBe(String(n - 1));
        await expect.poll(() => yes.getAttribute("aria-pressed")).toBe("false");
        const inputs = page.getByRole("list", { name: "Input messages" });
        await inputs.waitFor();
        const fresh = async () => {
          const text = (await inputs.textContent().catch(() => "")) ?? "";
          return questions.find((q) => text.includes(q) && !seen.includes(q)) ?? null;
        };
        await expect.poll(fresh).not.toBeNull();
        seen.push((await fresh()) as string);
        await page.getByRole("list", { name: "Output messages" }).waitFor();
      };

      // item 1, with the mouse; submitting with nothing picked names the missing score
      await itemLoaded(1);
      await expect.poll(() => page.getByText(/^Locked to you until/).count()).toBe(1);
      await form2.getByRole("button", { name: "Submit & next" }).click();
      await form2.getByText(`Pick a value for ${helpful}`).waitFor();
      await yes.click();
      await form2.getByRole("button", { name: "4", exact: true }).click();
      await form2.getByLabel("Comment").fill("Clear and correct");
      await form2.getByRole("button", { name: "Submit & next" }).click();

      // item 2, from the keyboard: n, 2, Enter
      await itemLoaded(2);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press("n");
      await page.keyboard.press("2");
      await expect.poll(() => form2.getByRole("button", { name: "No", exact: true }).getAttribute("aria-pressed")).toBe("true");
      await expect.poll(() => form2.getByRole("button", { name: "2", exact: true }).getAttribute("aria-pressed")).toBe("true");
      await page.keyboard.press("Enter");

      // item 3: keys pick, the mouse submits
      await itemLoaded(3);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press("y");
      await page.keyboard.press("5");
      await expect.poll(() => yes.getAttribute("aria-pressed")).toBe("true");
      await form2.getByRole("button", { name: "Submit & next" }).click();

      await page.getByText("Queue complete — nothing left for you").waitFor();
      await expect.poll(() => page.getByTestId("queue-done").textContent()).toBe("3 / 3");
      expect(await page.getByTestId("queue-mine").textContent()).toBe("3");
      // one reviewer: no agreement to compute yet
      const agreement = page.getByRole("table", { name: "Agreement" });
      expect(await agreement.locator("tr", { hasText: helpful }).getByText("—").count()).toBe(2);
      expect(seen.sort()).toEqual([...questions].sort());

      // the list shows the queue finished
      await page.getByRole("link", { name: "All queues" }).click();
      const row = page.getByRole("table", { name: "Annotation queues" }).locator("tr", { hasText: queueName });
      await row.getByText("3 / 3").waitFor();
    });

    const stats = await trpc("logs.queues.stats", { projectId: "demo", queueId }, "GET");
    expect(stats).toMatchObject({ total: 3, done: 3, mine: 3 });
  });
});
