import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { labelledFile } from "../fixtures/routing/labelled";
import { launch, signInAs, withPage } from "./browser";

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");
const url = (p: string) => `${app?.url}${p}`;

/**
 * The Evaluate page uploads the chosen file as the request body (no longer read into the page and
 * posted as a string): a file over the old 2 MB cap is evaluated, and a bad line is named.
 */
describe.skipIf(Boolean(skip))(`router evaluation upload in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let browser: Browser;
  let tmp: string;
  beforeAll(async () => {
    browser = await launch();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keel-e2e-eval-"));
  });
  afterAll(async () => {
    await browser?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("uploads a 12,000-line file and shows each router kind's measures; a bad line is named", async () => {
    const big = path.join(tmp, "labelled.jsonl");
    fs.writeFileSync(big, labelledFile(12_000));
    expect(fs.statSync(big).size).toBeGreaterThan(2_000_000);
    const bad = path.join(tmp, "bad.jsonl");
    const badLines = labelledFile(30).trim().split("\n");
    badLines[16] = '{"prompt": "p", "small_quality": "high", "large_quality": 1}';
    fs.writeFileSync(bad, badLines.join("\n"));

    await withPage(browser, "router-evaluate", async (page) => {
      await signInAs(page, url(""), app?.email ?? "", app?.password ?? "", "/demo");
      await page.goto(url("/demo/routing/evaluate"));
      const form = page.getByRole("form", { name: "Evaluate routers" });

      // a bad line: the server's 400, naming the line and the field, shown above the button
      await form.getByLabel("JSONL file").setInputFiles(bad);
      await form.getByRole("button", { name: "Run evaluation" }).click();
      await expect.poll(() => form.getByRole("alert").textContent()).toContain("line 17: small_quality: expected a finite number");

      await form.getByLabel("JSONL file").setInputFiles(big);
      await expect.poll(() => form.getByText(/labelled\.jsonl, 2\.\d\d MB/).count()).toBe(1);
      await form.getByLabel("Prompt features").selectOption("none");
      await form.getByRole("button", { name: "Run evaluation" }).click();
      const table = page.getByRole("table", { name: "Router evaluation" });
      await table.getByRole("cell", { name: "tfidf", exact: true }).waitFor({ timeout: 60_000 });
      const kinds = await table.locator("tbody tr td:first-child").allTextContents();
      expect(kinds).toEqual(["random", "length", "learned", "tfidf"]);
      await page.getByText("6000 train, 6000 test lines", { exact: false }).waitFor();
      await page.getByText(/knn: not trained \(needs an embedding model/).waitFor();
      await page.getByRole("img", { name: /Quality versus share of large calls/ }).waitFor();
      expect(await form.getByRole("alert").count()).toBe(0);
    });
  }, 120_000);
});
