import fs from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = path.resolve(import.meta.dirname, "../../test-results/e2e");

/** Debian's Chromium, headless, with the flags this network-less machine needs. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Run `fn` with a fresh page; on failure save a screenshot to test-results/e2e/<name>.png. */
export async function withPage(browser: Browser, name: string, fn: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await fn(page);
  } catch (err) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }).catch(() => {});
    throw err;
  } finally {
    await context.close();
  }
}

/** Sign in through the form; with `landing`, wait for the page sign-in leads to. */
export async function signInAs(page: Page, base: string, email: string, password: string, landing?: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (landing) await page.waitForURL(`${base}${landing}`);
}

/** The error shown under a form control (ui.tsx Field): the text its aria-describedby names first, when that is an error. */
export async function errorUnder(control: Locator): Promise<string> {
  const first = ((await control.getAttribute("aria-describedby")) ?? "").split(" ")[0];
  if (!first?.endsWith("-error")) return "";
  return (await control.page().locator(`[id="${first}"]`).textContent()) ?? "";
}
