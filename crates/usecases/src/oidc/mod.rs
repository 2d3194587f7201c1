//! The OpenID Connect provider: the procurement modules log in through spse-auth.

pub mod clients;
