//! spse-auth: the SPSE login with TOTP, as a library so that tests and the binary build
//! the same application.

pub mod app;
pub mod audit_cli;
pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod secrets;
pub mod store;
pub mod telemetry;
pub mod web;
