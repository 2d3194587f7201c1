//! Drives the real `spse-authenticator` binary, as a user or a script would.
#![allow(clippy::unwrap_used)]

mod helpers;

mod accounts;
mod codes;
mod language;
mod push;
mod push_server;
mod qr;
mod store_file;
