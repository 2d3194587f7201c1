// Logins waiting for approval. The app polls (a signed GET every few seconds while it
// is in front, at once when it opens or comes back): the API is plain signed
// request/response, which every proxy passes, and an approval lives two minutes, so a
// few seconds of delay cost nothing. EventSource could not sign its request.

import { ApiError, decide, pending, serverNow } from "./api.js";
import { putAccount } from "./db.js";
import { byId, el, say } from "./dom.js";
import { currentLang, t } from "./strings.js";

const POLL_MS = 4000;

let waiting = [];
let shownKey = "";
let selected = null;
let timer = null;
let hooks = { accounts: () => [], changed: () => {} };

/** A short name for a user agent: "Chrome, Linux". */
export function browserName(ua) {
  const text = String(ua || "");
  const browser =
    [
      ["Edg/", "Edge"],
      ["OPR/", "Opera"],
      ["Firefox/", "Firefox"],
      ["Chrome/", "Chrome"],
      ["Safari/", "Safari"],
    ].find(([mark]) => text.includes(mark))?.[1] || "";
  const system =
    [
      ["Android", "Android"],
      ["iPhone", "iPhone"],
      ["iPad", "iPad"],
      ["Windows", "Windows"],
      ["Mac OS", "macOS"],
      ["Linux", "Linux"],
    ].find(([mark]) => text.includes(mark))?.[1] || "";
  return [browser, system].filter(Boolean).join(", ") || text.slice(0, 60) || "-";
}

function when(unix) {
  const locale = currentLang() === "en" ? "en-GB" : "id-ID";
  return new Date(unix * 1000).toLocaleString(locale, {
    dateStyle: "medium",
    timeStyle: "medium",
  });
}

export function errorText(error) {
  const code = error instanceof ApiError ? error.code : "network";
  const key = `err_${code}`;
  const text = t(key);
  return text === key ? t("err_other", { code }) : text;
}

function detail(label, value) {
  return [el("dt", {}, label), el("dd", {}, value)];
}

function decisionForm(entry) {
  const number = el("input", {
    id: "number",
    name: "number",
    inputmode: "numeric",
    autocomplete: "off",
    maxlength: "3",
    required: true,
  });
  const form = el(
    "form",
    { class: "decision", novalidate: true },
    el("label", { for: "number" }, t("number_label")),
    number,
    el(
      "div",
      { class: "buttons" },
      el("button", { type: "submit", id: "approve" }, t("approve")),
      el("button", { type: "button", id: "deny", class: "secondary" }, t("deny")),
      el("button", { type: "button", id: "not-me", class: "danger" }, t("not_me")),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = number.value.trim();
    if (!/^\d+$/.test(value)) {
      say("decision-result", t("number_missing"), "error");
      number.focus();
      return;
    }
    send(entry, "approve", Number(value));
  });
  form.querySelector("#deny").addEventListener("click", () => send(entry, "deny", null));
  form.querySelector("#not-me").addEventListener("click", () => send(entry, "not_me", null));
  return form;
}

function render() {
  const list = byId("pending-list");
  list.replaceChildren();
  for (const entry of waiting) {
    const { approval, account } = entry;
    const isSelected = selected === approval.id;
    const purpose = approval.purpose === "disable_totp" ? "purpose_disable_totp" : "purpose_login";
    const item = el(
      "li",
      { class: isSelected ? "approval selected" : "approval", dataset: { approval: approval.id } },
      el(
        "dl",
        {},
        detail(t("field_account"), `${account.account} (${account.issuer})`),
        detail(t("field_purpose"), t(purpose)),
        detail(t("field_time"), when(approval.created_at)),
        detail(t("field_address"), approval.ip || "-"),
        detail(t("field_browser"), browserName(approval.user_agent)),
      ),
      isSelected
        ? decisionForm(entry)
        : el(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                selected = approval.id;
                render();
              },
            },
            t("choose"),
          ),
    );
    list.append(item);
  }
  byId("no-pending").hidden = waiting.length > 0;
  byId("no-pending").textContent = t("no_pending");
}

async function markMoved(account) {
  if (account.moved) return;
  account.moved = true;
  await putAccount(account);
  hooks.changed();
}

async function send(entry, decision, number) {
  const words = { approve: "approved", deny: "denied", not_me: "reported" };
  try {
    await decide(entry.account, entry.approval.id, decision, number);
    say("decision-result", t(words[decision]), "ok");
    waiting = waiting.filter((w) => w !== entry);
    selected = null;
    shownKey = "";
  } catch (error) {
    say("decision-result", errorText(error), "error");
    if (error instanceof ApiError && error.code === "unknown_device") await markMoved(entry.account);
    if (error instanceof ApiError && ["expired", "already_decided", "not_found"].includes(error.code)) {
      waiting = waiting.filter((w) => w !== entry);
      selected = null;
      shownKey = "";
    }
  }
  render();
  poll();
}

/** Fetches every approving account's waiting logins once. */
export async function poll() {
  const found = [];
  let offline = false;
  for (const account of hooks.accounts()) {
    if (!account.device || account.moved || !account.server) continue;
    try {
      for (const approval of await pending(account)) found.push({ approval, account });
    } catch (error) {
      if (error instanceof ApiError && error.code === "unknown_device") await markMoved(account);
      else if (error instanceof ApiError && error.code === "network") offline = true;
    }
  }
  byId("offline").hidden = !offline;
  byId("offline").textContent = t("offline");
  found.sort((a, b) => b.approval.created_at - a.approval.created_at);
  const key = found.map((f) => f.approval.id).join(",");
  // Redrawing would wipe a number being typed: only when the waiting logins changed.
  if (key !== shownKey) {
    // The login being answered left the list: say so when its two minutes are over.
    const gone = waiting.find((w) => w.approval.id === selected);
    if (gone && !found.some((f) => f.approval.id === selected)) {
      if (serverNow(gone.account.server) >= gone.approval.expires_at) {
        say("decision-result", t("err_expired"), "error");
      }
    }
    waiting = found;
    shownKey = key;
    if (!found.some((f) => f.approval.id === selected)) selected = found[0]?.approval.id ?? null;
    render();
  }
}

function schedule() {
  clearTimeout(timer);
  if (document.visibilityState !== "visible") return;
  timer = setTimeout(async () => {
    await poll();
    schedule();
  }, POLL_MS);
}

/** Starts polling; `accounts()` lists the accounts, `changed()` redraws them. */
export function startPolling(accounts, changed) {
  hooks = { accounts, changed };
  document.addEventListener("visibilitychange", async () => {
    if (document.visibilityState === "visible") {
      await poll();
    }
    schedule();
  });
  poll().then(schedule);
}

/** Redraws in the current language. */
export function rerender() {
  render();
}
