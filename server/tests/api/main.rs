//! Integration tests: the real application on port 0, a real SQLite file, a pinned clock,
//! driven as a browser drives it (forms, cookies, CSRF).

#![allow(clippy::unwrap_used)]

mod access_log;
mod app_e2e;
mod audit;
mod browser;
mod browser_reset;
mod captcha;
mod cli;
mod client_cli;
mod connections;
mod database;
mod disable;
mod disable_approval;
mod help_and_time;
mod helpdesk;
mod helpdesk_log;
mod helpers;
mod instances;
mod key_file;
mod lockout;
mod login;
mod mail_at_rest;
mod oidc;
mod oidc_authlib;
mod oidc_refusals;
mod oidc_support;
mod outage;
mod password;
mod process;
mod push;
mod push_support;
mod read_only;
mod reset;
mod reset_limits;
mod reset_pow;
mod reset_request;
mod security;
mod smtp_sink;
mod store_clients;
mod store_contract;
mod store_resets;
mod store_sealed;
mod store_sealer;
mod streams;
mod tickets;
mod totp;
mod trusted_browser;
mod user_id_step;
