//! `spse-auth user import`: the accounts an LPSE already has, with the password hashes
//! they already have. Every row is checked, and compared with the accounts that exist,
//! before anything is written; the writing then goes in batches of one transaction each.
//! Importing the same file again changes nothing.

mod plan;

use std::collections::HashMap;

use super::hasher::NO_PASSWORD;
use super::{Auth, AuthError, Client, Staff};
use spse_domain::event::EventKind;
use spse_domain::password_link::LinkPurpose;
use spse_domain::secret::Secret;
use spse_domain::user::UserId;
use spse_store::{AccountUpdate, EventRecord, NewUser};

pub use plan::{Field, ImportPlan, ImportRow, PlannedRow, RowAction, RowError, RowProblem};

/// User IDs looked up in one query.
const LOOKUP_BATCH: usize = 500;
/// Rows written in one transaction: large enough that 50,000 rows take seconds, small
/// enough that the server's own writes wait only briefly behind one on SQLite.
const WRITE_BATCH: usize = 1000;

/// What an import did, or (before it is applied) would do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// New accounts without a password whose owners were mailed an invitation.
    pub invited: u64,
    /// Rows with an error, not imported.
    pub refused: u64,
}

impl ImportPlan {
    /// What applying the plan would do; invitations counted when they are to be sent.
    pub fn counts(&self, invite: bool) -> ImportCounts {
        ImportCounts {
            refused: self.errors.len() as u64,
            ..count_rows(&self.rows, invite)
        }
    }
}

fn count_rows(rows: &[PlannedRow], invite: bool) -> ImportCounts {
    let mut counts = ImportCounts::default();
    for row in rows {
        match row.action {
            RowAction::Add => counts.added += 1,
            RowAction::Update(_) => counts.updated += 1,
            RowAction::Unchanged => counts.unchanged += 1,
        }
        if invite && row.needs_password() {
            counts.invited += 1;
        }
    }
    counts
}

/// An import stopped by the database part of the way: the batches before the failing
/// one are written (`done`), and importing the file again completes it.
#[derive(Debug, thiserror::Error)]
#[error("import stopped after {} rows: {source}", .done.added + .done.updated + .done.unchanged)]
pub struct ImportFailed {
    pub done: ImportCounts,
    #[source]
    pub source: AuthError,
}

impl Auth {
    /// Checks every row (`unreadable`: the lines the file reader could not make a row
    /// of) and finds what each good one would do. Writes nothing. Admins only: an
    /// import makes accounts of any role.
    pub async fn plan_import(
        &self,
        staff: &Staff,
        rows: Vec<ImportRow>,
        unreadable: Vec<RowError>,
    ) -> Result<ImportPlan, AuthError> {
        if !staff.is_admin() {
            return Err(AuthError::NotAllowed);
        }
        let mut errors = unreadable;
        let mut checked = Vec::with_capacity(rows.len());
        for row in rows {
            match plan::check_row(row) {
                Ok(row) => checked.push(row),
                Err(error) => errors.push(error),
            }
        }
        let checked = plan::refuse_duplicates(checked, &mut errors);
        let mut existing = HashMap::new();
        for chunk in checked.chunks(LOOKUP_BATCH) {
            let keys: Vec<String> = chunk.iter().map(|row| row.user_id.key()).collect();
            for user in self.store.users_by_keys(&keys).await? {
                existing.insert(user.user_id.key(), user);
            }
        }
        let rows = checked
            .into_iter()
            .map(|row| {
                let user = existing.get(&row.user_id.key());
                plan::plan_row(row, user)
            })
            .collect();
        errors.sort_by_key(|error| error.line);
        Ok(ImportPlan { rows, errors })
    }

    /// Writes the good rows of `plan`, a batch per transaction, telling `progress` how
    /// many rows each batch handled; then, with `invite`, mails each new account without
    /// a password an invitation to choose one (through the mail queue, which the server
    /// delivers at its pace).
    pub async fn apply_import(
        &self,
        staff: &Staff,
        plan: &ImportPlan,
        invite: bool,
        client: &Client,
        mut progress: impl FnMut(u64),
    ) -> Result<ImportCounts, ImportFailed> {
        let mut done = ImportCounts {
            refused: plan.errors.len() as u64,
            ..ImportCounts::default()
        };
        if !staff.is_admin() {
            return Err(ImportFailed {
                done,
                source: AuthError::NotAllowed,
            });
        }
        let now = self.now();
        let mut invitations = Vec::new();
        for chunk in plan.rows.chunks(WRITE_BATCH) {
            let adds: Vec<&PlannedRow> = chunk
                .iter()
                .filter(|row| row.action == RowAction::Add)
                .collect();
            let log = |row: &PlannedRow, what: &str| EventRecord {
                at: now,
                user_pk: row.pk,
                user_id: row.user_id.to_string(),
                event: EventKind::AccountImported.into(),
                ip: client.ip.clone(),
                user_agent: client.user_agent.clone(),
                detail: format!("{what} by staff {}", staff.name()),
            };
            let new: Vec<(NewUser, EventRecord)> = adds
                .iter()
                .map(|row| (new_user(row), log(row, "added")))
                .collect();
            let updates: Vec<(AccountUpdate, EventRecord)> = chunk
                .iter()
                .filter_map(|row| match (&row.action, row.pk) {
                    (RowAction::Update(fields), Some(pk)) => {
                        let fields: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
                        let update = AccountUpdate {
                            pk,
                            kind: row.kind,
                            email: row.email.clone(),
                            name: row.name.clone(),
                        };
                        Some((update, log(row, &format!("updated {}", fields.join(", ")))))
                    }
                    _ => None,
                })
                .collect();
            self.store
                .write_import_batch(&new, &updates, now)
                .await
                .map_err(|e| ImportFailed {
                    done,
                    source: e.into(),
                })?;
            if invite {
                let needing = adds.iter().filter(|row| row.needs_password());
                invitations.extend(needing.map(|row| &row.user_id));
            }
            let batch = count_rows(chunk, false);
            done.added += batch.added;
            done.updated += batch.updated;
            done.unchanged += batch.unchanged;
            progress(chunk.len() as u64);
        }
        for user_id in invitations {
            self.invite(user_id, client)
                .await
                .map_err(|source| ImportFailed { done, source })?;
            done.invited += 1;
        }
        Ok(done)
    }
}

fn new_user(row: &PlannedRow) -> NewUser {
    NewUser {
        user_id: row.user_id.to_string(),
        user_key: row.user_id.key(),
        kind: row.kind,
        email: row.email.clone(),
        name: row.name.clone(),
        role: row.role,
        password_hash: Secret::new(
            row.password_hash
                .clone()
                .unwrap_or_else(|| NO_PASSWORD.to_string()),
        ),
    }
}

impl Auth {
    /// A set-password link for a new account, queued: the server's mail worker sends
    /// the queue a few at a time, so fifty thousand invitations do not flood the mail
    /// server.
    async fn invite(&self, user_id: &UserId, client: &Client) -> Result<(), AuthError> {
        self.send_password_link(user_id, LinkPurpose::Invite, client)
            .await
    }
}
