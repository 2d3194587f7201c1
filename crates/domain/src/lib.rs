//! Pure rules: no I/O, no async. Everything here takes `now` from the caller.

pub mod audit;
pub mod client;
pub mod clock;
pub mod event;
pub mod helpdesk;
pub mod lockout;
pub mod password;
pub mod password_link;
pub mod reset;
pub mod secret;
pub mod session;
pub mod token;
pub mod totp;
pub mod user;
pub mod zone;
