//! Integration tests: the real application on port 0, a real SQLite file, a pinned clock,
//! driven as a browser drives it (forms, cookies, CSRF).

#![allow(clippy::unwrap_used)]

mod browser;
mod cli;
mod helpers;
mod lockout;
mod login;
mod push;
mod push_support;
mod security;
mod totp;
