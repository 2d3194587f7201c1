//! The accounts the authenticator holds, and how a user names one on the command line.

use serde::{Deserialize, Serialize};
use spse_protocol::api::DeviceKey;
use spse_protocol::{OtpauthUri, TotpKey};
use zeroize::Zeroize;

/// One account scanned from an activation QR code.
///
/// `server` and `enroll` are kept as they came so that push enrolment can happen later
/// without scanning the code again.
#[derive(Clone, Serialize, Deserialize)]
pub struct Account {
    pub issuer: String,
    pub account: String,
    secret: Vec<u8>,
    pub server: Option<String>,
    pub enroll: Option<String>,
    /// Unix seconds.
    pub added_at: u64,
    /// The binding made at enrolment; absent for codes-only accounts (and in stores
    /// written before push approval existed).
    #[serde(default)]
    pub device: Option<Device>,
}

/// This installation as the server knows it: the id it gave, and the key every request
/// is signed with.
#[derive(Clone, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    key: [u8; 32],
}

impl Device {
    pub fn new(id: String, key: &DeviceKey) -> Self {
        Self {
            id,
            key: key.to_bytes(),
        }
    }

    pub fn key(&self) -> DeviceKey {
        DeviceKey::from_bytes(&self.key)
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl Account {
    /// Takes what a scanned URI carries, stamped with the time it was added.
    pub fn from_uri(uri: &OtpauthUri, added_at: u64) -> Self {
        Self {
            issuer: uri.issuer.clone(),
            account: uri.account.clone(),
            secret: uri.key.secret().to_vec(),
            server: uri.server.clone(),
            enroll: uri.enroll.clone(),
            added_at,
            device: None,
        }
    }

    /// `ISSUER:ACCOUNT`, the name under which the account is shown and can be chosen.
    pub fn label(&self) -> String {
        format!("{}:{}", self.issuer, self.account)
    }

    /// The code generator; the secret itself never leaves this type otherwise.
    pub fn key(&self) -> TotpKey {
        TotpKey::new(self.secret.clone())
    }

    /// Push approval needs a server to talk to and a device bound to the account there.
    pub fn push_enabled(&self) -> bool {
        self.server.is_some() && self.device.is_some()
    }

    /// Lookups ignore case, so two accounts that differ only in case could never be told
    /// apart: treat them as the same account.
    fn same_as(&self, other: &Account) -> bool {
        same_text(&self.issuer, &other.issuer) && same_text(&self.account, &other.account)
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("server", &self.server)
            .field("device", &self.device.as_ref().map(|d| &d.id))
            .finish_non_exhaustive()
    }
}

/// Why a name given on the command line does not pick exactly one account.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LookupError {
    #[error("no account named {0}")]
    Unknown(String),
    #[error("{query} names several accounts: {}", labels.join(", "))]
    Ambiguous { query: String, labels: Vec<String> },
}

/// Everything in the store, in the order the accounts were added.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Accounts {
    accounts: Vec<Account>,
}

impl Accounts {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.accounts.iter()
    }

    /// The index of the account `query` names: the account name alone (the user ID, as
    /// users know it), or `ISSUER:ACCOUNT` when the name alone is ambiguous; case is
    /// ignored in both.
    pub fn find(&self, query: &str) -> Result<usize, LookupError> {
        let query = query.trim();
        let by_label: Vec<usize> = self.positions(|a| same_text(&a.label(), query));
        if let [index] = by_label[..] {
            return Ok(index);
        }
        let by_name = self.positions(|a| same_text(&a.account, query));
        match by_name[..] {
            [] => Err(LookupError::Unknown(query.to_string())),
            [index] => Ok(index),
            _ => Err(LookupError::Ambiguous {
                query: query.to_string(),
                labels: by_name.iter().map(|&i| self.accounts[i].label()).collect(),
            }),
        }
    }

    pub fn get(&self, index: usize) -> Option<&Account> {
        self.accounts.get(index)
    }

    /// The index of an account that `account` would replace.
    pub fn existing(&self, account: &Account) -> Option<usize> {
        self.accounts.iter().position(|a| a.same_as(account))
    }

    /// Adds the account, replacing the one with the same issuer and name in place.
    /// Returns whether one was replaced.
    pub fn upsert(&mut self, account: Account) -> bool {
        match self.existing(&account) {
            Some(index) => {
                self.accounts[index] = account;
                true
            }
            None => {
                self.accounts.push(account);
                false
            }
        }
    }

    pub fn remove(&mut self, index: usize) -> Option<Account> {
        (index < self.accounts.len()).then(|| self.accounts.remove(index))
    }

    fn positions(&self, matches: impl Fn(&Account) -> bool) -> Vec<usize> {
        (0..self.accounts.len())
            .filter(|&i| matches(&self.accounts[i]))
            .collect()
    }
}

fn same_text(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn account(issuer: &str, name: &str) -> Account {
        let uri = OtpauthUri::parse(&format!(
            "otpauth://totp/{issuer}:{name}?secret=JBSWY3DPEHPK3PXP&issuer={issuer}"
        ))
        .unwrap();
        Account::from_uri(&uri, 0)
    }

    fn store() -> Accounts {
        let mut accounts = Accounts::default();
        accounts.upsert(account("LPSE-A", "PPK1"));
        accounts.upsert(account("LPSE-B", "PPK1"));
        accounts.upsert(account("LPSE-A", "vendor7"));
        accounts
    }

    #[test]
    fn name_alone_picks_a_unique_account_ignoring_case() {
        assert_eq!(store().find("VENDOR7"), Ok(2));
        assert_eq!(store().find(" vendor7 "), Ok(2));
    }

    #[test]
    fn ambiguous_name_asks_for_the_issuer() {
        assert_eq!(
            store().find("ppk1"),
            Err(LookupError::Ambiguous {
                query: "ppk1".into(),
                labels: vec!["LPSE-A:PPK1".into(), "LPSE-B:PPK1".into()],
            })
        );
        assert_eq!(store().find("lpse-b:ppk1"), Ok(1));
    }

    #[test]
    fn unknown_name() {
        assert_eq!(
            store().find("PPK2"),
            Err(LookupError::Unknown("PPK2".into()))
        );
        assert_eq!(
            store().find("LPSE-C:PPK1"),
            Err(LookupError::Unknown("LPSE-C:PPK1".into()))
        );
    }

    #[test]
    fn same_issuer_and_name_replaces_in_place() {
        let mut accounts = store();
        let mut newer = account("lpse-a", "ppk1");
        newer.added_at = 99;
        assert_eq!(accounts.existing(&newer), Some(0));
        assert!(accounts.upsert(newer));
        assert_eq!(accounts.iter().count(), 3);
        assert_eq!(accounts.get(0).unwrap().added_at, 99);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let text = format!("{:?}", account("A", "b"));
        assert!(!text.contains("secret"), "{text}");
    }
}
