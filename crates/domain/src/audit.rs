//! The access log's hash chain: each entry's hash covers its fields and the hash of the
//! entry before it, so an edited, deleted or reordered row breaks every later link.

use sha2::{Digest, Sha256};

/// The fields of one entry that the chain protects, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainFields<'a> {
    /// Position in the chain: 1, 2, 3... with no gaps.
    pub seq: i64,
    pub at: i64,
    pub user_pk: Option<i64>,
    pub user_id: &'a str,
    pub event: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub detail: &'a str,
}

/// Marks the encoding, so a future format cannot be confused with this one.
const DOMAIN: &[u8] = b"spse-auth access log v1";

/// The hash of an entry: SHA-256 over a length-prefixed encoding of the previous hash
/// and every field, hex encoded. Length prefixes keep `("ab", "c")` and `("a", "bc")` apart.
pub fn link(previous: &str, entry: &ChainFields<'_>) -> String {
    let mut hasher = Sha256::new();
    let mut put = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    put(DOMAIN);
    put(previous.as_bytes());
    put(&entry.seq.to_be_bytes());
    put(&entry.at.to_be_bytes());
    match entry.user_pk {
        Some(pk) => put(&pk.to_be_bytes()),
        None => put(b""),
    }
    put(entry.user_id.as_bytes());
    put(entry.event.as_bytes());
    put(entry.ip.as_bytes());
    put(entry.user_agent.as_bytes());
    put(entry.detail.as_bytes());
    hex::encode(hasher.finalize())
}

/// Where the chain first fails to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry with this position is gone: the next one found has `found`.
    Missing { seq: i64, found: i64 },
    /// The row stored at this position does not hash to its link: it was edited, or
    /// moved here from elsewhere.
    Altered { seq: i64, row_id: i64 },
    /// Entries at the end are gone: the chain's head says `head_seq`, the last row is `last_seq`.
    Truncated { last_seq: i64, head_seq: i64 },
    /// A row lies past the chain's head: written into the table, not through the chain.
    BeyondHead { seq: i64, head_seq: i64 },
    /// The entry a sealed batch lists at this position has no row: it was deleted.
    Removed { seq: i64, row_id: i64 },
    /// A row among the sealed ones that no batch lists: added outside the application.
    Unlisted { row_id: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing { seq, found } => write!(
                f,
                "entry {seq} is missing (the next row found is entry {found}): deleted or renumbered"
            ),
            Self::Altered { seq, row_id } => write!(
                f,
                "entry {seq} (row id {row_id}) does not match its hash: edited, or moved from another position"
            ),
            Self::Truncated { last_seq, head_seq } => write!(
                f,
                "entries {} to {head_seq} are missing: the log ends at entry {last_seq}",
                last_seq + 1
            ),
            Self::BeyondHead { seq, head_seq } => write!(
                f,
                "entry {seq} lies past the chain's head (entry {head_seq}): added outside the application"
            ),
            Self::Removed { seq, row_id } => write!(
                f,
                "entry {seq} is missing (row id {row_id}, listed in its sealed batch): deleted"
            ),
            Self::Unlisted { row_id } => write!(
                f,
                "row id {row_id} lies among the sealed entries but no batch lists it: added outside the application"
            ),
        }
    }
}

/// Walks stored rows in order and finds the first break, one row at a time, so a log of
/// millions of rows is verified in constant memory.
#[derive(Debug, Clone)]
pub struct Verifier {
    expected_seq: i64,
    previous: String,
    checked: u64,
}

impl Verifier {
    /// Starts after the anchor: the position and hash of the last entry removed by
    /// retention (0 and "" when nothing was removed).
    pub fn new(anchor_seq: i64, anchor_hash: &str) -> Self {
        Self {
            expected_seq: anchor_seq + 1,
            previous: anchor_hash.to_string(),
            checked: 0,
        }
    }

    /// Checks the next stored row (`stored_hash` as found in the database).
    pub fn check(
        &mut self,
        row_id: i64,
        entry: &ChainFields<'_>,
        stored_hash: &str,
    ) -> Result<(), Break> {
        if entry.seq != self.expected_seq {
            return Err(if entry.seq > self.expected_seq {
                Break::Missing {
                    seq: self.expected_seq,
                    found: entry.seq,
                }
            } else {
                Break::Altered {
                    seq: entry.seq,
                    row_id,
                }
            });
        }
        let computed = link(&self.previous, entry);
        if !crate::token::equal(&computed, stored_hash) {
            return Err(Break::Altered {
                seq: entry.seq,
                row_id,
            });
        }
        self.previous = computed;
        self.expected_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// The position of the last row checked (the anchor's before any).
    pub fn last_seq(&self) -> i64 {
        self.expected_seq - 1
    }

    /// After the last row: the chain must end where its head says.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<u64, Break> {
        let last_seq = self.last_seq();
        if last_seq > head_seq {
            return Err(Break::BeyondHead {
                seq: head_seq + 1,
                head_seq,
            });
        }
        if last_seq < head_seq {
            return Err(Break::Truncated { last_seq, head_seq });
        }
        if last_seq == head_seq && self.previous != head_hash {
            return Err(Break::Altered {
                seq: last_seq,
                row_id: 0,
            });
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, detail: &str) -> ChainFields<'_> {
        ChainFields {
            seq,
            at: 1_800_000_000 + seq,
            user_pk: Some(7),
            user_id: "PPK1",
            event: "login_ok",
            ip: "10.0.0.1",
            user_agent: "Firefox",
            detail,
        }
    }

    fn chain(n: i64) -> Vec<String> {
        let mut hashes: Vec<String> = Vec::new();
        for seq in 1..=n {
            let previous = hashes.last().cloned().unwrap_or_default();
            hashes.push(link(&previous, &entry(seq, "")));
        }
        hashes
    }

    #[test]
    fn an_intact_chain_verifies() {
        let hashes = chain(3);
        let mut v = Verifier::new(0, "");
        for (i, hash) in hashes.iter().enumerate() {
            v.check(i as i64 + 1, &entry(i as i64 + 1, ""), hash)
                .unwrap();
        }
        assert_eq!(v.finish(3, &hashes[2]), Ok(3));
    }

    #[test]
    fn fields_are_not_ambiguous() {
        let mut a = entry(1, "");
        a.user_id = "PPK1x";
        let mut b = entry(1, "");
        b.event = "xlogin_ok";
        a.event = "login_ok";
        b.user_id = "PPK1";
        assert_ne!(link("", &a), link("", &b));
    }

    #[test]
    fn edits_deletions_and_truncation_are_named() {
        let hashes = chain(4);
        let mut v = Verifier::new(0, "");
        v.check(1, &entry(1, ""), &hashes[0]).unwrap();
        assert_eq!(
            v.check(2, &entry(2, "edited"), &hashes[1]),
            Err(Break::Altered { seq: 2, row_id: 2 })
        );
        let mut v = Verifier::new(0, "");
        v.check(1, &entry(1, ""), &hashes[0]).unwrap();
        assert_eq!(
            v.check(3, &entry(3, ""), &hashes[2]),
            Err(Break::Missing { seq: 2, found: 3 })
        );
        let mut v = Verifier::new(0, "");
        v.check(1, &entry(1, ""), &hashes[0]).unwrap();
        v.check(2, &entry(2, ""), &hashes[1]).unwrap();
        assert_eq!(
            v.finish(1, &hashes[0]),
            Err(Break::BeyondHead {
                seq: 2,
                head_seq: 1
            })
        );
        let mut v = Verifier::new(0, "");
        v.check(1, &entry(1, ""), &hashes[0]).unwrap();
        assert_eq!(
            v.finish(4, &hashes[3]),
            Err(Break::Truncated {
                last_seq: 1,
                head_seq: 4
            })
        );
    }

    #[test]
    fn verification_starts_from_the_retention_anchor() {
        let hashes = chain(4);
        let mut v = Verifier::new(2, &hashes[1]);
        v.check(3, &entry(3, ""), &hashes[2]).unwrap();
        v.check(4, &entry(4, ""), &hashes[3]).unwrap();
        assert_eq!(v.finish(4, &hashes[3]), Ok(2));
    }
}
