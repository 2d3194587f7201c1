//! Integration tests: the real application on port 0, a real SQLite file, a pinned clock,
//! driven as a browser drives it (forms, cookies, CSRF).

#![allow(clippy::unwrap_used)]

mod browser;
mod cli;
mod disable;
mod helpdesk;
mod helpers;
mod lockout;
mod login;
mod reset;
mod reset_request;
mod security;
mod smtp_sink;
mod totp;
