// The app's storage: IndexedDB of this origin only. Accounts hold their TOTP secret and
// device key as non-extractable CryptoKeys; nothing secret goes to localStorage.

const NAME = "spse-authenticator";
const VERSION = 1;

let opened = null;

function open() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("accounts", { keyPath: "id" });
        db.createObjectStore("settings", { keyPath: "name" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

async function run(store, mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const request = action(tx.objectStore(store));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** One account per server and user ID (or per issuer and account without a server). */
export function accountId(account) {
  return `${account.server || account.issuer}\n${account.account}`;
}

export async function listAccounts() {
  const all = await run("accounts", "readonly", (s) => s.getAll());
  return all.sort((a, b) => a.addedAt - b.addedAt);
}

export function putAccount(account) {
  return run("accounts", "readwrite", (s) => s.put(account));
}

export function getAccount(id) {
  return run("accounts", "readonly", (s) => s.get(id));
}

export function deleteAccount(id) {
  return run("accounts", "readwrite", (s) => s.delete(id));
}

export async function getSetting(name, fallback = null) {
  const row = await run("settings", "readonly", (s) => s.get(name));
  return row ? row.value : fallback;
}

export function setSetting(name, value) {
  return run("settings", "readwrite", (s) => s.put({ name, value }));
}
