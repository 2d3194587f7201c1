//! Integration tests: the real application on port 0, a real SQLite file, a pinned clock,
//! driven as a browser drives it (forms, cookies, CSRF).

#![allow(clippy::unwrap_used)]

mod access_log;
mod app_e2e;
mod app_js;
mod app_origin;
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
mod outage;
mod pages_phone;
mod password;
mod phone_app;
mod phone_moves;
mod phone_small;
mod phone_support;
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
mod waiting_pages;
