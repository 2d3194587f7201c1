// The account list: each account's current code, the seconds it has left, one tap to
// copy it, and removal with a confirmation.

import { serverNow } from "./api.js";
import { deleteAccount } from "./db.js";
import { byId, el, say } from "./dom.js";
import { t } from "./strings.js";
import { timeStep, totp } from "./totp.js";

let accounts = [];
let rows = [];
let ticking = null;

export function setAccounts(list) {
  accounts = list;
}

export function getAccounts() {
  return accounts;
}

function serverHost(account) {
  try {
    return account.server ? new URL(account.server).host : "";
  } catch {
    return "";
  }
}

async function copy(account, code) {
  try {
    await navigator.clipboard.writeText(code);
    say("list-status", t("copied", { account: account.account }));
  } catch {
    say("list-status", t("copy_failed"), "error");
  }
}

function askRemove(account, onRemoved) {
  const dialog = byId("confirm-remove");
  byId("remove-title").textContent = t("remove_title");
  byId("remove-text").textContent = t("remove_text", {
    account: account.account,
    issuer: account.issuer,
  });
  byId("remove-yes").textContent = t("remove_yes");
  byId("remove-no").textContent = t("cancel");
  const yes = byId("remove-yes");
  const no = byId("remove-no");
  const close = () => {
    yes.onclick = null;
    no.onclick = null;
    dialog.close();
  };
  yes.onclick = async () => {
    close();
    await deleteAccount(account.id);
    say("list-status", t("removed", { account: account.account }));
    onRemoved();
  };
  no.onclick = close;
  dialog.showModal();
}

/** Draws the list; `onRemoved` runs after an account was removed. */
export function renderAccounts(onRemoved) {
  const list = byId("accounts");
  list.replaceChildren();
  rows = accounts.map((account) => {
    const code = el("button", { type: "button", class: "code", "aria-describedby": "copy-hint" }, "······");
    const left = el("span", { class: "left" });
    const notes = [];
    if (account.moved) notes.push(el("p", { class: "moved error" }, t("moved")));
    else if (!account.device) notes.push(el("p", { class: "note" }, t("codes_only")));
    const remove = el(
      "button",
      {
        type: "button",
        class: "remove secondary",
        "aria-label": `${t("remove")} ${account.account} (${account.issuer})`,
      },
      t("remove"),
    );
    const item = el(
      "li",
      { class: account.moved ? "account moved" : "account", dataset: { account: account.account } },
      el(
        "p",
        { class: "who" },
        el("strong", { class: "user" }, account.account),
        " ",
        el("span", { class: "issuer" }, account.issuer),
        " ",
        el("span", { class: "server" }, serverHost(account)),
      ),
      el("div", { class: "code-row" }, code, left),
      notes,
      remove,
    );
    code.addEventListener("click", () => copy(account, code.textContent));
    remove.addEventListener("click", () => askRemove(account, onRemoved));
    list.append(item);
    return { account, code, left, step: null };
  });
  byId("no-accounts").hidden = accounts.length > 0;
  byId("no-accounts").textContent = t("no_accounts");
  tick();
  if (!ticking) ticking = setInterval(tick, 1000);
}

async function tick() {
  for (const row of rows) {
    const { account } = row;
    const now = serverNow(account.server);
    const step = timeStep(now, account.period);
    if (row.step !== step) {
      row.step = step;
      const value = await totp(account.secretKey, now, account);
      row.code.textContent = value;
      row.code.dataset.step = String(step);
    }
    const left = account.period - (now % account.period);
    row.left.textContent = t("seconds_left", { n: left });
  }
}
