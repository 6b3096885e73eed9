// The back-office page in a real browser: Debian's chromium, headless, driven by playwright-core
// (pinned, infra/browser-tools.sh). Run by browser_test against a live api with its workers:
//   ORDERFLOW_URL, ORDERFLOW_ADMIN_TOKEN, ORDERFLOW_API_KEY (a storefront key; none: no header),
//   ORDERFLOW_SKU (a product with stock), ORDERFLOW_SCREENSHOT
// Exits 0 when every check holds; prints what it checked and the screenshot's path.
"use strict";
const { chromium } = require("playwright-core");
const fs = require("fs");
const os = require("os");
const path = require("path");

const base = process.env.ORDERFLOW_URL;
const token = process.env.ORDERFLOW_ADMIN_TOKEN;
const sku = process.env.ORDERFLOW_SKU;
const storefrontKey = process.env.ORDERFLOW_API_KEY;
const screenshot = process.env.ORDERFLOW_SCREENSHOT;
const timeout = 30000;

function check(condition, what) {
  if (!condition) throw new Error("FAILED: " + what);
  console.log("ok: " + what);
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "orderflow-chromium-"));
  // A persistent context is how playwright takes our own --user-data-dir: a fresh folder per run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const problems = [];
    context.on("weberror", (e) => problems.push(String(e.error())));

    // Without a token the page asks for one.
    const anonymous = await context.newPage();
    const response = await anonymous.goto(base + "/admin");
    const csp = response.headers()["content-security-policy"] || "";
    check(csp.includes("script-src 'self'") && !csp.includes("unsafe-inline"), "a strict CSP: " + csp);
    check(response.headers()["x-content-type-options"] === "nosniff", "nosniff");
    await anonymous.locator("#sign-in").waitFor({ state: "visible", timeout });
    check(await anonymous.locator("#office").isHidden(), "no token: the page asks for one");
    await anonymous.close();

    // A wrong token shows an error (and asks again).
    const wrong = await context.newPage();
    await wrong.goto(base + "/admin#token=not-the-token");
    await wrong.locator("#error").waitFor({ state: "visible", timeout });
    const error = await wrong.locator("#error").textContent();
    check(/refused \(403\)/.test(error), "a wrong token shows an error: " + error);
    check(await wrong.locator("#sign-in").isVisible(), "and asks for the token again");
    await wrong.close();

    // The right token: signed in, fragment gone, the stream live.
    const page = await context.newPage();
    await page.goto(base + "/admin#token=" + encodeURIComponent(token));
    await page.locator("#live[data-state=live]").waitFor({ timeout });
    check((await page.evaluate(() => location.hash)) === "", "the token left the URL (history.replaceState)");
    check((await page.evaluate(() => sessionStorage.getItem("orderflow-admin-token"))) === token,
      "the token is in sessionStorage");
    await page.locator(`#stock tr[data-sku="${sku}"]`).waitFor({ timeout });
    check(true, "stock levels listed, " + sku + " among them");
    await page.evaluate(() => { window.notReloaded = true; });

    // An order placed through the api appears, then turns CONFIRMED, without a reload.
    const placed = await fetch(base + "/v1/orders", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": "browser-" + Date.now(),
                 Connection: "keep-alive", ...(storefrontKey ? { Authorization: "Bearer " + storefrontKey } : {}) },
      body: JSON.stringify({ customer_id: "browser-test", lines: [{ sku, quantity: 1 }] }),
    });
    check(placed.status === 202, "order placed: " + placed.status);
    const orderId = (await placed.json()).order_id;
    const row = page.locator(`#orders tr[data-order-id="${orderId}"]`);
    await row.waitFor({ timeout });
    check(true, "order " + orderId + " appeared");
    await row.locator("td.status", { hasText: "CONFIRMED" }).waitFor({ timeout });
    check(true, "order " + orderId + " turned CONFIRMED");
    check(await page.evaluate(() => window.notReloaded === true), "without a reload");
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log("screenshot: " + screenshot);
    check(problems.length === 0, "no script error on the page " + problems.join("; "));
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e) => { console.error(e && e.stack || String(e)); process.exit(1); });
