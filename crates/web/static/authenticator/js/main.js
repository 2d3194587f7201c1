// The SPSE Authenticator web app: screens, adding accounts, and the start-up (service
// worker, persistent storage, the enrolment link from the activation page).

import { getAccounts, renderAccounts, setAccounts } from "./accounts.js";
import { ApiError, enroll, loadClocks, serverNow, syncClock } from "./api.js";
import { accountId, listAccounts, putAccount } from "./db.js";
import { byId, say } from "./dom.js";
import { UriError, parseOtpauth } from "./otpauth.js";
import { errorText, poll, rerender, startPolling } from "./pending.js";
import { decodeFile, startCamera } from "./scan.js";
import { newDeviceKey } from "./signing.js";
import { currentLang, initLang, setLang, t, translatePage } from "./strings.js";
import { base32Decode, importSecret, totp } from "./totp.js";

const SCREENS = ["home", "add", "account-added"];
let stopCamera = null;

function show(screen) {
  for (const id of SCREENS) byId(id).hidden = id !== screen;
  if (screen !== "add" && stopCamera) {
    stopCamera();
    stopCamera = null;
    byId("camera").hidden = true;
  }
  const heading = byId(screen).querySelector("h2");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

async function refreshAccounts() {
  setAccounts(await listAccounts());
  renderAccounts(refreshAccounts);
}

function deviceName() {
  const platform = navigator.userAgentData?.platform || (/(Android|iPhone|iPad)/.exec(navigator.userAgent) || [])[1];
  return platform ? `SPSE Authenticator (${platform})` : "SPSE Authenticator (web)";
}

/** Stores the account; with `server` and `enroll`, binds this phone for approvals first
 * (as the terminal app does): a refused enrolment stores nothing. */
async function addAccount(parsed) {
  say("add-error", "");
  say("add-progress", t("adding"));
  const secretKey = await importSecret(parsed.secret, parsed.algorithm);
  const account = {
    issuer: parsed.issuer,
    account: parsed.account,
    server: parsed.server,
    secretKey,
    algorithm: parsed.algorithm,
    digits: parsed.digits,
    period: parsed.period,
    device: null,
    moved: false,
    addedAt: Date.now(),
  };
  if (parsed.server && parsed.enroll) {
    try {
      await syncClock(parsed.server);
      const code = await totp(secretKey, serverNow(parsed.server), parsed);
      const device = await newDeviceKey();
      const answer = await enroll(parsed.server, device.privateKey, {
        token: parsed.enroll,
        public_key: device.publicHex,
        code,
        device_name: deviceName(),
      });
      account.device = { id: answer.device_id, privateKey: device.privateKey };
      account.account = answer.account || account.account;
      account.issuer = answer.issuer || account.issuer;
    } catch (error) {
      say("add-progress", "");
      say("add-error", errorText(error instanceof ApiError ? error : new ApiError("network")), "error");
      return;
    }
  }
  account.id = accountId(account);
  await putAccount(account);
  say("add-progress", "");
  byId("added-text").textContent = t(account.device ? "added_push" : "added_codes", account);
  await refreshAccounts();
  show("account-added");
  askPersistence();
  if (account.device) poll();
}

async function addFromText(text) {
  let parsed;
  try {
    parsed = parseOtpauth(text);
  } catch (error) {
    say("add-error", t(error instanceof UriError ? error.reason : "uri_not_totp"), "error");
    return;
  }
  await addAccount(parsed);
}

async function toggleCamera() {
  if (stopCamera) {
    stopCamera();
    stopCamera = null;
    byId("camera").hidden = true;
    byId("scan-camera").textContent = t("scan_camera");
    say("scan-status", "");
    return;
  }
  const video = byId("camera");
  video.hidden = false;
  say("scan-status", t("scanning"));
  byId("scan-camera").textContent = t("scan_stop");
  try {
    stopCamera = await startCamera(video, (text) => {
      stopCamera = null;
      video.hidden = true;
      byId("scan-camera").textContent = t("scan_camera");
      say("scan-status", "");
      addFromText(text);
    });
  } catch {
    video.hidden = true;
    byId("scan-camera").textContent = t("scan_camera");
    say("scan-status", "");
    say("add-error", t("camera_failed"), "error");
  }
}

async function fromPhoto(event) {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  let text = null;
  try {
    text = await decodeFile(file);
  } catch {
    text = null;
  }
  if (text) await addFromText(text);
  else say("add-error", t("photo_no_qr"), "error");
}

async function fromKey(event) {
  event.preventDefault();
  const account = byId("key-account").value.trim();
  const issuer = byId("key-issuer").value.trim();
  const secret = base32Decode(byId("key-secret").value);
  if (!account) return say("add-error", t("key_no_account"), "error");
  if (!secret) return say("add-error", t("uri_bad_secret"), "error");
  await addAccount({ issuer, account, secret, algorithm: "SHA1", digits: 6, period: 30, server: null, enroll: null });
  event.target.reset();
}

async function askPersistence() {
  const state = byId("storage-state");
  if (!navigator.storage || !navigator.storage.persist) {
    state.textContent = t("storage_not_kept");
    return;
  }
  let kept = await navigator.storage.persisted();
  if (!kept && getAccounts().length > 0) kept = await navigator.storage.persist();
  state.textContent = t(kept ? "storage_kept" : "storage_not_kept");
}

function translate() {
  translatePage();
  byId("lang").textContent = t("switch_lang");
  byId("lang").lang = currentLang() === "id" ? "en" : "id";
  byId("scan-camera").textContent = t(stopCamera ? "scan_stop" : "scan_camera");
}

async function start() {
  initLang();
  translate();
  await loadClocks();
  byId("lang").addEventListener("click", async () => {
    setLang(currentLang() === "id" ? "en" : "id");
    translate();
    renderAccounts(refreshAccounts);
    rerender();
    askPersistence();
  });
  byId("add-account").addEventListener("click", () => show("add"));
  byId("add-back").addEventListener("click", () => show("home"));
  byId("added-done").addEventListener("click", () => show("home"));
  byId("scan-camera").addEventListener("click", toggleCamera);
  byId("photo").addEventListener("change", fromPhoto);
  byId("uri-form").addEventListener("submit", (event) => {
    event.preventDefault();
    addFromText(byId("uri").value).then(() => {
      if (!byId("add").hidden) return;
      byId("uri").value = "";
    });
  });
  byId("key-form").addEventListener("submit", fromKey);
  await refreshAccounts();
  askPersistence();
  startPolling(getAccounts, refreshAccounts);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
  }
  // "Buka di SPSE Authenticator" on the activation page: the URI in the fragment, which
  // no browser sends to a server. It is dropped from the address at once.
  if (location.hash.startsWith("#add=")) {
    const text = decodeURIComponent(location.hash.slice("#add=".length));
    history.replaceState(null, "", location.pathname + location.search);
    show("add");
    await addFromText(text);
  }
  document.body.dataset.ready = "true";
}

start();
