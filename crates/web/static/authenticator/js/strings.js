// The app's words, Indonesian by default and English. The choice is no secret: it is
// kept in localStorage, where nothing else of the app is.

const TEXT = {
  id: {
    app_title: "SPSE Authenticator",
    switch_lang: "English",
    accounts_title: "Akun",
    no_accounts: "Belum ada akun. Tambahkan akun dengan kode QR dari halaman Aktivasi TOTP.",
    add_account: "Tambah akun",
    pending_title: "Login menunggu persetujuan",
    no_pending: "Tidak ada login yang menunggu.",
    code_hint: "Ketuk kode untuk menyalin.",
    seconds_left: "{n} detik lagi",
    copied: "Kode {account} disalin.",
    copy_failed: "Kode tidak dapat disalin; ketik kode yang tampil.",
    remove: "Hapus",
    remove_title: "Hapus akun?",
    remove_text: "Akun {account} ({issuer}) akan dihapus dari ponsel ini. Setelah itu Anda tidak bisa login dengan ponsel ini sampai TOTP di-reset dan diaktivasi ulang.",
    remove_yes: "Ya, hapus",
    cancel: "Batal",
    removed: "Akun {account} dihapus.",
    moved: "Ponsel ini tidak lagi terdaftar untuk akun ini. Persetujuan login sekarang ada di ponsel lain; kode di sini tidak berlaku lagi.",
    codes_only: "Hanya kode (tanpa persetujuan login).",
    add_title: "Tambah akun",
    add_intro: "Pindai kode QR di halaman Aktivasi TOTP, pilih foto atau tangkapan layarnya, tempel alamat otpauth://, atau ketik kuncinya.",
    scan_camera: "Pindai dengan kamera",
    scan_stop: "Berhenti memindai",
    scanning: "Arahkan kamera ke kode QR…",
    camera_failed: "Kamera tidak dapat dibuka. Izinkan kamera untuk aplikasi ini, atau pilih foto kode QR.",
    photo_label: "Pilih foto atau tangkapan layar kode QR",
    photo_no_qr: "Tidak ada kode QR yang terbaca di gambar ini. Coba foto yang lebih dekat dan tajam.",
    uri_label: "Tempel alamat otpauth://",
    uri_add: "Tambahkan dari alamat",
    key_title: "Ketik kunci",
    key_account_label: "User ID",
    key_issuer_label: "Penerbit (misalnya LPSE)",
    key_label: "Kunci (seperti tertulis di bawah kode QR)",
    key_add: "Tambahkan dengan kunci",
    key_no_account: "Isi User ID.",
    back: "Kembali",
    adding: "Menambahkan akun…",
    added_title: "Akun ditambahkan",
    added_push: "{account} ({issuer}) siap. Halaman aktivasi di komputer akan lanjut sendiri ke BERANDA, dan login berikutnya bisa disetujui di sini.",
    added_codes: "{account} ({issuer}) siap. Kode TOTP tampil di daftar akun.",
    done: "Selesai",
    uri_not_totp: "Ini bukan alamat otpauth://totp/ dari halaman Aktivasi TOTP.",
    uri_bad_secret: "Kunci tidak sah: periksa huruf dan angkanya (A-Z, 2-7).",
    uri_unsupported: "Jenis kode ini tidak didukung.",
    uri_no_account: "Alamat ini tidak menyebut akun.",
    uri_bad_server: "Alamat server di kode QR ini tidak aman (harus https).",
    err_invalid_token: "Kode QR ini sudah dipakai atau kedaluwarsa. Muat ulang halaman Aktivasi TOTP di komputer lalu pindai lagi.",
    err_wrong_code: "Server menolak kode dari ponsel ini. Periksa tanggal dan jam ponsel, lalu pindai lagi.",
    err_wrong_number: "Angka salah. Ketik angka yang tampil di layar komputer.",
    err_expired: "Permintaan ini sudah kedaluwarsa (lebih dari 2 menit). Ulangi login di komputer.",
    err_locked: "Terlalu banyak angka atau kode salah: akun ini dikunci sementara. Coba lagi nanti.",
    err_already_decided: "Permintaan ini sudah diputuskan.",
    err_not_found: "Permintaan ini sudah tidak ada.",
    err_unknown_device: "Ponsel ini tidak lagi terdaftar untuk akun ini.",
    err_clock_skew: "Jam ponsel terlalu jauh dari jam server. Periksa tanggal dan jam ponsel.",
    err_network: "Server LPSE tidak dapat dihubungi. Periksa koneksi internet; kode TOTP tetap bisa dipakai.",
    err_other: "Server menolak permintaan ini ({code}). Coba lagi.",
    purpose_login: "Login",
    purpose_disable_totp: "DISABLE TOTP (mematikan TOTP)",
    field_account: "Akun",
    field_purpose: "Permintaan",
    field_time: "Waktu",
    field_address: "Alamat",
    field_browser: "Browser",
    number_label: "Angka yang tampil di komputer",
    approve: "Ya",
    deny: "Tidak",
    not_me: "Bukan saya",
    choose: "Pilih permintaan ini",
    approved: "Disetujui. Komputer akan lanjut ke BERANDA.",
    denied: "Ditolak. Login itu dihentikan.",
    reported: "Dilaporkan sebagai bukan Anda. Login itu dihentikan; ganti password Anda jika perlu.",
    number_missing: "Ketik dulu angka yang tampil di komputer.",
    storage_title: "Data di ponsel ini",
    storage_kept: "Browser menjaga data aplikasi ini (penyimpanan tetap).",
    storage_not_kept: "Browser belum menjamin data aplikasi ini disimpan; pasang aplikasi ke layar utama agar lebih aman.",
    storage_warning: "Kunci akun hanya ada di ponsel ini. Jika data browser dihapus atau ponsel hilang, minta Reset TOTP lewat email (tautan \"Reset TOTP?\" di halaman login), lalu aktivasi ulang.",
    offline: "Sedang offline: kode TOTP tetap berjalan, persetujuan login menunggu koneksi.",
  },
  en: {
    app_title: "SPSE Authenticator",
    switch_lang: "Bahasa Indonesia",
    accounts_title: "Accounts",
    no_accounts: "No accounts yet. Add one with the QR code of the TOTP Activation page.",
    add_account: "Add account",
    pending_title: "Logins waiting for approval",
    no_pending: "No login is waiting.",
    code_hint: "Tap a code to copy it.",
    seconds_left: "{n} seconds left",
    copied: "Code of {account} copied.",
    copy_failed: "The code could not be copied; type the code shown.",
    remove: "Remove",
    remove_title: "Remove the account?",
    remove_text: "The account {account} ({issuer}) will be removed from this phone. You then cannot log in with this phone until TOTP is reset and activated again.",
    remove_yes: "Yes, remove",
    cancel: "Cancel",
    removed: "Account {account} removed.",
    moved: "This phone is no longer registered for this account. Login approval is now on another phone; the codes here no longer work.",
    codes_only: "Codes only (no login approval).",
    add_title: "Add account",
    add_intro: "Scan the QR code of the TOTP Activation page, pick a photo or screenshot of it, paste the otpauth:// address, or type the key.",
    scan_camera: "Scan with the camera",
    scan_stop: "Stop scanning",
    scanning: "Point the camera at the QR code…",
    camera_failed: "The camera could not be opened. Allow the camera for this app, or pick a photo of the QR code.",
    photo_label: "Pick a photo or screenshot of the QR code",
    photo_no_qr: "No QR code could be read in this picture. Try a closer, sharper photo.",
    uri_label: "Paste the otpauth:// address",
    uri_add: "Add from the address",
    key_title: "Type the key",
    key_account_label: "User ID",
    key_issuer_label: "Issuer (for example LPSE)",
    key_label: "Key (as written below the QR code)",
    key_add: "Add with the key",
    key_no_account: "Fill in the User ID.",
    back: "Back",
    adding: "Adding the account…",
    added_title: "Account added",
    added_push: "{account} ({issuer}) is ready. The activation page on the computer moves on to the BERANDA by itself, and later logins can be approved here.",
    added_codes: "{account} ({issuer}) is ready. Its TOTP code is in the account list.",
    done: "Done",
    uri_not_totp: "This is not an otpauth://totp/ address from the TOTP Activation page.",
    uri_bad_secret: "The key is not valid: check its letters and digits (A-Z, 2-7).",
    uri_unsupported: "This kind of code is not supported.",
    uri_no_account: "This address names no account.",
    uri_bad_server: "The server address in this QR code is not safe (it must be https).",
    err_invalid_token: "This QR code was already used or has expired. Reload the TOTP Activation page on the computer and scan again.",
    err_wrong_code: "The server refused this phone's code. Check the phone's date and time, then scan again.",
    err_wrong_number: "Wrong number. Type the number shown on the computer's screen.",
    err_expired: "This request has expired (after 2 minutes). Log in again on the computer.",
    err_locked: "Too many wrong numbers or codes: this account is locked for a while. Try again later.",
    err_already_decided: "This request was already decided.",
    err_not_found: "This request no longer exists.",
    err_unknown_device: "This phone is no longer registered for this account.",
    err_clock_skew: "The phone's clock is too far from the server's. Check the phone's date and time.",
    err_network: "The LPSE server cannot be reached. Check the connection; TOTP codes still work.",
    err_other: "The server refused this request ({code}). Try again.",
    purpose_login: "Login",
    purpose_disable_totp: "DISABLE TOTP (turning TOTP off)",
    field_account: "Account",
    field_purpose: "Request",
    field_time: "Time",
    field_address: "Address",
    field_browser: "Browser",
    number_label: "The number shown on the computer",
    approve: "Yes",
    deny: "No",
    not_me: "Not me",
    choose: "Choose this request",
    approved: "Approved. The computer moves on to the BERANDA.",
    denied: "Denied. That login was stopped.",
    reported: "Reported as not you. That login was stopped; change your password if needed.",
    number_missing: "First type the number shown on the computer.",
    storage_title: "Data on this phone",
    storage_kept: "The browser keeps this app's data (persistent storage).",
    storage_not_kept: "The browser does not promise to keep this app's data; install the app to the home screen to make it safer.",
    storage_warning: "The account keys exist only on this phone. If the browser's data is cleared or the phone is lost, ask for a TOTP reset by email (the \"Reset TOTP?\" link on the login page), then activate again.",
    offline: "Offline: TOTP codes keep working, login approvals wait for the connection.",
  },
};

const LANGS = ["id", "en"];
let lang = "id";

export function initLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(asked)) {
    localStorage.setItem("lang", asked);
  }
  const kept = localStorage.getItem("lang");
  lang = LANGS.includes(kept) ? kept : "id";
  document.documentElement.lang = lang;
  return lang;
}

export function currentLang() {
  return lang;
}

export function setLang(next) {
  lang = LANGS.includes(next) ? next : "id";
  localStorage.setItem("lang", lang);
  document.documentElement.lang = lang;
}

/** The text of `key` with `{name}` filled from `vars`. */
export function t(key, vars = {}) {
  const text = TEXT[lang][key] ?? TEXT.id[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** Fills every element marked `data-t` (text) or `data-t-label` (aria-label). */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-label]")) {
    el.setAttribute("aria-label", t(el.dataset.tLabel));
  }
  document.title = t("app_title");
}

export const STRINGS = TEXT;
