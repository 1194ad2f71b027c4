import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import zlib from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { errorUnder, launch, signInAs, withPage } from "./browser";
import { httpClient } from "./http";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const { url, auth, call, mutate } = httpClient(app);
const uniq = () => randomBytes(4).toString("hex");
const DEMO_MONITOR = "demo: gateway traffic";
const SENTIMENT = path.resolve("test/fixtures/tuning/sentiment.tsv.gz");

/** Labelled rows of the shared sentiment set (English movie reviews) as dataset JSONL. */
function sentimentJsonl(perClass: number): string {
  const taken = new Map<string, number>();
  const rows: string[] = [];
  for (const line of zlib.gunzipSync(fs.readFileSync(SENTIMENT)).toString("utf8").split("\n")) {
    const [label, split, text] = line.split("\t");
    if (!text || (label !== "0" && label !== "1")) continue;
    const k = `${label}/${split}`;
    if ((taken.get(k) ?? 0) >= perClass) continue;
    taken.set(k, (taken.get(k) ?? 0) + 1);
    rows.push(JSON.stringify({ input: text, references: [label === "1" ? "positive" : "negative"], metadata: { split } }));
  }
  return `${rows.join("\n")}\n`;
}

const SHORT = ["¡Me encantó!", "Muy mala.", "Genial, la recomiendo", "Aburrida", "Qué desastre", "Preciosa película"];

const signIn = (page: Page) => (app ? signInAs(page, app.url, app.email, app.password, "/demo") : Promise.resolve());

describe.skipIf(Boolean(skip) || !fs.existsSync(SENTIMENT))(`drift monitoring in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  let receiver: http.Server;
  let hookUrl = "";
  const received: { event: string; data: { monitor?: { name?: string }; run?: { id?: string } } }[] = [];
  beforeAll(async () => {
    browser = await launch();
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/drift`;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it("the new-alert-rule form refuses a bad rule under its field before any request, and shows the server's conflict under the name", async () => {
    const demo = await call<{ id: string }>("GET", `/api/v1/drift/monitors/${encodeURIComponent(DEMO_MONITOR)}?project=demo`);
    const taken = `taken-${uniq()}`;
    await call("POST", `/api/v1/drift/monitors/${demo.id}/rules?project=demo`, { name: taken, condition: { kind: "dataset_drift" } });
    await withPage(browser, "drift-rule-form", async (page) => {
      await signIn(page);
      const creates: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("drift.rules.create")) creates.push(r.url());
      });
      await page.goto(url(`/demo/drift/${demo.id}`));
      await page.getByRole("button", { name: "Add alert rule" }).click();
      const form = page.getByRole("form", { name: "New alert rule" });
      const name = form.getByLabel("Rule name");
      await form.getByLabel("Fires when").selectOption("consecutive");
      await form.getByLabel("Runs in a row").fill("1");
      await form.getByLabel("Retraining (optional)").fill("{not json");
      await form.getByRole("button", { name: "Create rule" }).click();
      await expect.poll(() => errorUnder(name)).toBe("Enter a rule name");
      expect(await errorUnder(form.getByLabel("Runs in a row"))).toBe("Runs in a row is 2 or more");
      expect(await errorUnder(form.getByLabel("Retraining (optional)"))).toMatch(/^Retraining is not a JSON object/);
      expect(creates).toEqual([]);
      // fixed in the browser, the server's 409 on the name lands under the name
      await form.getByLabel("Runs in a row").fill("3");
      await form.getByLabel("Retraining (optional)").fill("");
      await name.fill(taken);
      await form.getByRole("button", { name: "Create rule" }).click();
      await expect.poll(() => errorUnder(name)).toMatch(/already has a rule named/);
      expect(creates.length).toBe(1);
      const fresh = `three-in-a-row-${uniq()}`;
      await name.fill(fresh);
      await form.getByRole("button", { name: "Create rule" }).click();
      await page.getByRole("cell", { name: fresh }).waitFor();
    });
  });

  it("the monitor form refuses bad values beside their fields before any request, and shows the server's conflict under the name", async () => {
    await withPage(browser, "drift-monitor-form", async (page) => {
      await signIn(page);
      const sent: string[] = [];
      page.on("request", (r) => {
        if (/drift\.monitors\.(create|preview)/.test(r.url())) sent.push(r.url());
      });
      await page.goto(url("/demo/drift/new"));
      const form = page.getByRole("form", { name: "New monitor" });
      const name = form.getByLabel("Name", { exact: true });
      await form.getByLabel("Threshold of latency_ms").fill("abc");
      await form.getByLabel("Drift share").fill("2");
      await form.getByRole("button", { name: "Create monitor" }).click();
      await expect.poll(() => errorUnder(name)).toBe("Give the monitor a name");
      expect(await errorUnder(form.getByLabel("Drift share"))).toBe("The drift share is a number above 0, at most 1");
      const columns = form.getByRole("list", { name: "Chosen columns" });
      await columns
        .getByRole("listitem")
        .filter({ hasText: "latency_ms" })
        .getByRole("alert")
        .filter({ hasText: "The threshold is a number" })
        .waitFor();
      // Preview checks the same configuration: still nothing sent
      await form.getByRole("button", { name: "Preview" }).click();
      await expect.poll(() => errorUnder(form.getByLabel("Drift share"))).toBe("The drift share is a number above 0, at most 1");
      expect(sent).toEqual([]);
      // fixed in the browser; the demo monitor's name is taken: the server's 409 lands under the name
      await form.getByLabel("Threshold of latency_ms").fill("");
      await form.getByLabel("Drift share").fill("0.5");
      await name.fill(DEMO_MONITOR);
      await form.getByRole("button", { name: "Create monitor" }).click();
      await expect.poll(() => errorUnder(name)).toBe(`A drift monitor named ${DEMO_MONITOR} already exists`);
      expect(sent).toHaveLength(1);
      const fresh = `form-monitor-${uniq()}`;
      await name.fill(fresh);
      await form.getByRole("button", { name: "Create monitor" }).click();
      await page.getByRole("heading", { level: 1, name: fresh }).waitFor();
    });
  });

  it("the demo monitor runs by schedule and fires a webhook; a retraining proposal is approved in the browser and trains, with lineage back to its drift run", async () => {
    const id = uniq();
    // a webhook for drift alerts, and the demo monitor on a per-minute schedule with a rule on dataset drift
    await mutate("registry.webhooks.create", { projectId: "demo", url: hookUrl, events: ["drift.alert"] });
    const demo = await call<{ id: string }>("GET", `/api/v1/drift/monitors/${encodeURIComponent(DEMO_MONITOR)}?project=demo`);
    await call("POST", `/api/v1/drift/monitors/${demo.id}/rules?project=demo`, { name: `e2e-${id}`, condition: { kind: "dataset_drift" } });
    await call("PATCH", `/api/v1/drift/monitors/${demo.id}?project=demo`, { schedule: "* * * * *" });
    const scheduledSince = Date.now();

    // retraining: a labelled dataset version, traffic of the tiny-bert-sentiment deployment that drifted from it
    // (short Spanish texts against English reviews), a monitor over that deployment with a rule that proposes a head
    const dataset = `reviews-${id}`;
    const output = `sentiment-retrained-${id}`;
    const up = await fetch(url(`/api/v1/projects/demo/datasets/${dataset}/versions?format=jsonl`), {
      method: "POST",
      headers: auth(),
      body: sentimentJsonl(60),
    });
    expect(up.status, await up.clone().text()).toBeLessThan(300);
    for (let i = 0; i < 30; i++)
      await call("POST", "/api/v1/classifications", { model: "tiny-bert-sentiment", input: `${SHORT[i % SHORT.length]} ${i}` });
    const monitor = `sentiment-${id}`;
    const created = await call<{ id: string }>("POST", "/api/v1/drift/monitors?project=demo", {
      name: monitor,
      config: {
        source: { kind: "traffic", deployment: "tiny-bert-sentiment" },
        columns: [{ name: "input_chars" }, { name: "language" }],
        reference: { kind: "dataset", dataset },
        current: { kind: "sliding", window: "hour" },
        minSamples: 20,
      },
    });
    await call("POST", `/api/v1/drift/monitors/${created.id}/rules?project=demo`, {
      name: "retrain on drift",
      condition: { kind: "dataset_drift" },
      retrain: {
        method: "head",
        base: { model: "tiny-bert-embed" },
        dataset: { name: dataset },
        outputModel: output,
        hyperparameters: { epochs: 3 },
        seed: 1,
      },
    });

    await withPage(browser, "drift", async (page) => {
      await signIn(page);
      // the monitors list: the demo monitor with its seeded drift
      await page.goto(url("/demo/drift"));
      // in the monitors table: once the schedule has fired, the alerts table names the monitor too
      const demoRow = page.getByRole("table", { name: "Drift monitors" }).getByRole("row", { name: new RegExp(DEMO_MONITOR) });
      await expect.poll(() => demoRow.textContent()).toMatch(/drift/);

      // run the sentiment monitor now from its page: drift in both columns, shown per column
      await page.goto(url(`/demo/drift/${created.id}`));
      await page.getByRole("heading", { level: 1, name: monitor }).waitFor();
      await page.getByRole("button", { name: "Run now" }).click();
      const summary = page.getByRole("region", { name: "Run summary" });
      await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toMatch(/\bdrift\b/);
      const columns = page.getByRole("table", { name: "Columns" });
      await expect.poll(() => columns.textContent()).toMatch(/input_chars.*K-S test.*drift/s);
      expect(await columns.textContent()).toMatch(/language/);

      // the alert with its proposed retraining, which waits for approval
      const alerts = page.getByRole("table", { name: "Alerts" });
      const jobLink = alerts.getByRole("link", { name: /job #\d+/ });
      await expect.poll(() => jobLink.count(), { timeout: 30_000 }).toBe(1);
      await jobLink.click();
      await page.waitForURL(/\/demo\/tuning\/\d+$/);
      await expect.poll(() => page.getByTestId("job-status").textContent()).toMatch(/awaiting.approval/);
      await page
        .getByText(new RegExp(`monitor ${monitor}`))
        .first()
        .waitFor();
      await page.getByRole("button", { name: "Approve and start" }).click();
      await expect.poll(() => page.getByTestId("job-status").textContent(), { timeout: 90_000 }).toBe("succeeded");

      // the new version's lineage leads back to the drift run
      await page.goto(url(`/demo/registry/models/${output}/versions/1`));
      const links = page.getByRole("list", { name: "Lineage links" });
      await expect.poll(() => links.textContent()).toMatch(/drift run #1 proposed tuning job/);
    });

    // the demo monitor ran by its schedule (the worker's per-minute tick), drifted, and the webhook fired
    const scheduled = await expect
      .poll(
        async () => {
          const runs = await call<{ items: { trigger: string; verdict: string; createdAt: string }[] }>(
            "GET",
            `/api/v1/drift/monitors/${demo.id}/runs?project=demo&limit=5`,
          );
          return runs.items.find((r) => r.trigger === "schedule" && Date.parse(r.createdAt) >= scheduledSince)?.verdict ?? null;
        },
        { timeout: 150_000, interval: 2000 },
      )
      .toBe("drift");
    void scheduled;
    await expect
      .poll(() => received.some((r) => r.event === "drift.alert" && r.data.monitor?.name === DEMO_MONITOR), { timeout: 30_000 })
      .toBe(true);
    expect(received.some((r) => r.event === "drift.alert" && r.data.monitor?.name === monitor)).toBe(true);
    await call("PATCH", `/api/v1/drift/monitors/${demo.id}?project=demo`, { schedule: "0 * * * *" });
  }, 300_000);
});
