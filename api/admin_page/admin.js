// The back-office page: signs in with the admin token, follows GET /v1/admin/events (Server-Sent
// Events read with fetch() and a stream reader, because EventSource cannot send an Authorization
// header and a token in the URL would land in logs), and shows stock, sales and dead letters.
"use strict";

const TOKEN_KEY = "orderflow-admin-token";
const ORDER_TYPES = ["OrderPlaced", "OrderConfirmed", "OrderRejected", "OrderCancelled"];
const STOCK_TYPES = ["StockReserved", "StockReleased", "StockAdjusted"];
const $ = (id) => document.getElementById(id);

// --- the token: from #token=… once (then out of the URL), then from this tab's sessionStorage ---
function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromUrl = fragment.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

function askForToken(message) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("office").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in").hidden = false;
  setLive("off", "not connected");
  showError(message || "");
}

class Refused extends Error {}

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: "Bearer " + token }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401 || response.status === 403) {
    askForToken("The admin token was refused (" + response.status + "): enter the right one.");
    throw new Refused(String(response.status));
  }
  return response;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

const money = (cents) => (cents / 100).toFixed(2);

// --- orders, from the event stream ---
const orders = new Map();  // order_id -> {customer, total, status, reason, updated}

function applyOrderEvent(type, envelope) {
  const p = envelope.payload;
  const order = orders.get(p.order_id) || { customer: "", total: null, status: "PENDING", reason: "" };
  if (type === "OrderPlaced") {
    order.customer = p.customer_id;
    order.total = p.total_cents;
  } else if (type === "OrderConfirmed") {
    order.status = "CONFIRMED";
    order.total = p.total_cents;
  } else if (type === "OrderRejected") {
    order.status = "REJECTED";
    order.reason = p.reason;
  } else if (type === "OrderCancelled") {
    order.status = "CANCELLED";
    order.reason = p.reason || "";
  }
  order.updated = envelope.occurred_at;
  orders.delete(p.order_id);
  orders.set(p.order_id, order);  // the latest change last, shown first
  renderOrders();
}

function renderOrders() {
  const body = $("orders").tBodies[0];
  body.replaceChildren();
  const latest = [...orders.entries()].reverse().slice(0, 200);
  for (const [id, o] of latest) {
    const row = body.insertRow();
    row.dataset.orderId = id;
    cell(row, id);
    cell(row, o.customer);
    cell(row, o.total === null ? "" : money(o.total), "num");
    cell(row, o.status, "status status-" + o.status);
    cell(row, o.reason);
    cell(row, o.updated);
  }
  $("orders-empty").hidden = orders.size > 0;
}

// --- the stream: one fetch at a time, resumed with Last-Event-ID when the server ends it ---
let lastEventId = null;
let streamAbort = null;

function setLive(state, text) {
  $("live").dataset.state = state;
  $("live").textContent = text;
}

async function follow() {
  const types = ORDER_TYPES.concat(STOCK_TYPES).join(",");
  let retryMs = 1000;
  while (token) {
    streamAbort = new AbortController();
    try {
      const headers = { Accept: "text/event-stream" };
      if (lastEventId) headers["Last-Event-ID"] = lastEventId;
      const response = await api("/v1/admin/events?types=" + types, { headers, signal: streamAbort.signal });
      if (response.status !== 200) throw new Error("event stream: HTTP " + response.status);
      setLive("live", "live");
      showError("");
      retryMs = await readEvents(response.body.getReader(), retryMs);
    } catch (e) {
      if (e instanceof Refused || !token) return;
      setLive("retry", "reconnecting…");
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

async function readEvents(reader, retryMs) {
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return retryMs;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { id: null, type: "message", data: [] };
      for (const line of block.split("\n")) {
        const colon = line.indexOf(":");
        if (colon === 0) continue;  // a comment (keep-alive)
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") event.id = text;
        else if (field === "event") event.type = text;
        else if (field === "data") event.data.push(text);
        else if (field === "retry" && /^[0-9]+$/.test(text)) retryMs = Number(text);
      }
      if (event.id !== null) lastEventId = event.id;
      if (event.data.length) onEvent(event.type, JSON.parse(event.data.join("\n")));
    }
  }
}

function onEvent(type, envelope) {
  if (ORDER_TYPES.includes(type)) applyOrderEvent(type, envelope);
  if (STOCK_TYPES.includes(type)) refreshStockSoon();
}

// --- stock ---
let stockTimer = null;
function refreshStockSoon() {
  if (stockTimer === null) stockTimer = setTimeout(() => { stockTimer = null; loadStock(); }, 500);
}

async function loadStock() {
  const body = $("stock").tBodies[0];
  const rows = [];
  let after = null;
  for (let page = 0; page < 10; ++page) {
    const query = "/v1/products?limit=100" + (after ? "&after=" + encodeURIComponent(after) : "");
    const response = await api(query);
    if (response.status !== 200) return;
    const json = await response.json();
    rows.push(...json.items);
    if (!json.next) break;
    after = json.next;
  }
  body.replaceChildren();
  for (const p of rows) {
    const row = body.insertRow();
    row.dataset.sku = p.sku;
    cell(row, p.sku);
    cell(row, p.name);
    cell(row, money(p.price_cents), "num");
    cell(row, String(p.available), "num");
    cell(row, String(p.on_hand), "num");
  }
}

async function restock(event) {
  event.preventDefault();
  const sku = $("restock-sku").value;
  const onHand = Number($("restock-on-hand").value);
  const response = await api("/v1/admin/stock/" + encodeURIComponent(sku), {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ on_hand: onHand }),
  });
  const json = await response.json().catch(() => ({}));
  $("restock-result").textContent = response.status === 202
    ? "requested: " + sku + " on hand " + onHand
    : "refused (" + response.status + "): " + ((json.error && json.error.message) || "");
}

// --- sales per minute: a bar per minute of the last hour, revenue ---
async function loadSales() {
  const note = $("sales-note");
  const canvas = $("sales");
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const response = await api("/v1/admin/sales");
  if (response.status !== 200) { note.textContent = "no data (HTTP " + response.status + ")"; return; }
  const json = await response.json();
  if (!json.minutes.length) { note.textContent = "no data: no sale in the last 60 minutes"; return; }
  const to = Date.parse(json.to);
  const from = Date.parse(json.from);
  const slots = Math.max(1, Math.round((to - from) / 60000));
  const max = Math.max(...json.minutes.map((m) => m.revenue_cents));
  const w = canvas.width / slots;
  ctx.fillStyle = "#3a7bd5";
  for (const m of json.minutes) {
    const i = Math.floor((Date.parse(m.minute) - from) / 60000);
    const h = (m.revenue_cents / max) * (canvas.height - 20);
    ctx.fillRect(i * w + 1, canvas.height - h, Math.max(1, w - 2), h);
  }
  ctx.fillStyle = "#1d232a";
  ctx.fillText("max " + money(max) + " / min", 4, 12);
  note.textContent = json.total.orders + " orders, " + json.total.units + " units, " +
    money(json.total.revenue_cents) + " in the last " + slots + " minutes";
}

// --- dead letters ---
async function loadDeadLetters() {
  const note = $("dead-letters-note");
  const body = $("dead-letters").tBodies[0];
  const response = await api("/v1/admin/dead-letters?limit=20");
  body.replaceChildren();
  if (response.status !== 200) { note.textContent = "no data (HTTP " + response.status + ")"; return; }
  const json = await response.json();
  note.textContent = json.dead_letters.length ? "" : "no dead letters";
  for (const d of json.dead_letters) {
    const row = body.insertRow();
    cell(row, d.timestamp);
    cell(row, d.dlq_topic);
    cell(row, d.source.topic + "[" + d.source.partition + "]@" + d.source.offset);
    cell(row, d.consumer);
    cell(row, d.reason);
    cell(row, d.preview);
  }
}

// --- start ---
let token = null;

function ignoreRefused(promise) {
  promise.catch((e) => { if (!(e instanceof Refused)) showError(String(e)); });
}

function signIn(t) {
  token = t;
  $("sign-in").hidden = true;
  $("office").hidden = false;
  $("sign-out").hidden = false;
  setLive("retry", "connecting…");
  ignoreRefused(follow());
  ignoreRefused(loadStock());
  ignoreRefused(loadSales());
  ignoreRefused(loadDeadLetters());
}

const refresher = setInterval(() => {
  if (!token) return;
  ignoreRefused(loadSales());
  ignoreRefused(loadDeadLetters());
}, 15000);

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const t = $("token-input").value;
    sessionStorage.setItem(TOKEN_KEY, t);
    signIn(t);
  });
  $("sign-out").addEventListener("click", () => {
    token = null;
    if (streamAbort) streamAbort.abort();
    askForToken("");
  });
  $("restock-form").addEventListener("submit", (event) => ignoreRefused(restock(event)));
  const t = takeToken();
  if (t) signIn(t); else askForToken("");
});
void refresher;
