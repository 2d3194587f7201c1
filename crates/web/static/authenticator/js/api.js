// Signed calls to an LPSE's authenticator API. The app keeps each server's clock (every
// answer carries it in X-SPSE-Time): codes and signature timestamps follow the server,
// so a phone whose clock is off still gets in.

import { getSetting, setSetting } from "./db.js";
import { sign } from "./signing.js";

const PREFIX = "/api/authenticator/v1";

/** A refusal from the server (its `error` code), or `network` when it was not reached. */
export class ApiError extends Error {
  constructor(code, status = 0) {
    super(code);
    this.code = code;
    this.status = status;
  }
}

let offsets = {};

/** Loads the clock offsets learnt earlier, for codes shown offline. */
export async function loadClocks() {
  offsets = (await getSetting("clock-offsets", {})) || {};
}

function phoneNow() {
  return Math.floor(Date.now() / 1000);
}

/** Unix seconds by this server's clock, as far as the app knows it. */
export function serverNow(server) {
  return phoneNow() + (server && offsets[server] ? offsets[server] : 0);
}

function learnClock(server, response) {
  const told = Number(response.headers.get("x-spse-time"));
  if (!Number.isFinite(told) || told <= 0) return;
  const offset = told - phoneNow();
  if (offsets[server] !== offset) {
    offsets = { ...offsets, [server]: offset };
    setSetting("clock-offsets", offsets).catch(() => {});
  }
}

async function call(server, path, init) {
  let response;
  try {
    response = await fetch(server + path, { ...init, credentials: "omit", cache: "no-store" });
  } catch {
    throw new ApiError("network");
  }
  learnClock(server, response);
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    throw new ApiError((body && body.error) || "unavailable", response.status);
  }
  return body;
}

/** Asks the server's clock: before enrolling, whose code must be the server's. */
export async function syncClock(server) {
  await call(server, `${PREFIX}/time`, { method: "GET" });
}

async function signed(server, deviceId, privateKey, method, path, payload) {
  const body = payload === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
  const headers = await sign(privateKey, method, path, serverNow(server), body);
  const init = {
    method,
    headers: {
      "x-spse-device": deviceId,
      "x-spse-timestamp": String(headers.timestamp),
      "x-spse-nonce": headers.nonce,
      "x-spse-signature": headers.signature,
    },
  };
  if (payload !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = body;
  }
  return call(server, path, init);
}

export function enroll(server, privateKey, request) {
  return signed(server, "enrolling", privateKey, "POST", `${PREFIX}/enroll`, request);
}

export async function pending(account) {
  const { device } = account;
  const body = await signed(account.server, device.id, device.privateKey, "GET", `${PREFIX}/approvals`);
  return (body && body.approvals) || [];
}

export function decide(account, approvalId, decision, number) {
  const { device } = account;
  const path = `${PREFIX}/approvals/${encodeURIComponent(approvalId)}/decision`;
  return signed(account.server, device.id, device.privateKey, "POST", path, {
    decision,
    number,
  });
}
