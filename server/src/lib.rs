//! spse-auth: the SPSE login with TOTP, as a library so that tests and the binary build
//! the same application. The layers are crates of their own (see README, "How it is
//! built"); this crate assembles them into the server and its admin command line.

pub mod app;
pub mod audit_cli;
pub mod cli;
pub mod client_cli;
pub mod config;
pub mod connections;
mod event_streams;
pub mod import_cli;
pub mod keys_cli;
pub mod logout_sender;
pub mod password_link_cli;
pub mod scim_cli;
pub mod telemetry;
pub mod user_cli;
