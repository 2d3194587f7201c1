//! Wire types and rules shared by the spse-auth server and the SPSE Authenticator.
//!
//! Both sides must agree on how a TOTP code is computed and on what the activation QR
//! code carries; keeping those rules here means they cannot drift apart.

pub mod api;
mod otpauth;
mod totp;

pub use otpauth::{OtpauthUri, UriError};
pub use totp::{CODE_DIGITS, STEP_SECONDS, TotpKey, time_step};
