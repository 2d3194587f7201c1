//! Checking an import: every row on its own, then against the file's other rows and the
//! accounts that exist. Nothing here writes.

use std::collections::HashMap;

use spse_domain::user::{DisplayName, Email, Role, UserId, UserKind};
use spse_store::UserRecord;

use crate::hasher::{HashFormatError, classify};

/// One row as the file has it, before any check. Empty optional cells are `None`.
#[derive(Debug, Clone, Default)]
pub struct ImportRow {
    /// Where the row starts in the file (1 is the first line, a CSV header included).
    pub line: u64,
    pub user_id: String,
    pub kind: String,
    pub email: String,
    pub name: String,
    pub role: Option<String>,
    pub password_hash: Option<String>,
}

/// Why a row cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// The reader could not make a row of the line (bad CSV quoting, not JSON, a missing
    /// field); the reader's words.
    Unreadable(String),
    /// Not a user ID (see `UserId::parse`).
    UserId,
    Kind,
    Email,
    Name,
    Role,
    PasswordHash(HashFormatError),
    /// The same user ID (in any case) is on an earlier line.
    Duplicate {
        first_line: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    /// As the row has it, for the operator to find it; may be empty.
    pub user_id: String,
    pub problem: RowProblem,
}

/// A field an import may change on an existing account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Kind,
    Email,
    Name,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kind => "kind",
            Self::Email => "email",
            Self::Name => "name",
        }
    }
}

/// What the import does with a good row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAction {
    Add,
    /// The account exists and these fields differ: they take the row's values.
    Update(Vec<Field>),
    /// The account exists as the row describes it.
    Unchanged,
}

/// A good row and what will be done with it.
#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub line: u64,
    pub user_id: UserId,
    pub action: RowAction,
    /// The row names another role than the existing account has: roles are kept (a
    /// file must not make anyone staff, or take it away); this is the account's role.
    pub role_kept: Option<Role>,
    pub(super) pk: Option<i64>,
    pub(super) kind: UserKind,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) role: Role,
    /// The hash to keep, as it was in the file; `None`: the owner is to choose a password.
    pub(super) password_hash: Option<String>,
}

impl PlannedRow {
    /// A new account without a password: its owner gets an invitation to choose one.
    pub fn needs_password(&self) -> bool {
        self.action == RowAction::Add && self.password_hash.is_none()
    }
}

/// The result of checking a file: what each good row will do, and every bad row.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub rows: Vec<PlannedRow>,
    pub errors: Vec<RowError>,
}

/// A row that passed its own checks, before the lookup.
pub(super) struct Checked {
    pub line: u64,
    pub user_id: UserId,
    pub kind: UserKind,
    pub email: String,
    pub name: String,
    pub role: Option<Role>,
    pub password_hash: Option<String>,
}

/// The checks a row passes on its own; the first problem found.
pub(super) fn check_row(row: ImportRow) -> Result<Checked, RowError> {
    let error = |problem| RowError {
        line: row.line,
        user_id: row.user_id.trim().to_string(),
        problem,
    };
    let user_id = UserId::parse(&row.user_id).map_err(|_| error(RowProblem::UserId))?;
    let kind = UserKind::parse(&row.kind).ok_or_else(|| error(RowProblem::Kind))?;
    let email = Email::parse(&row.email).ok_or_else(|| error(RowProblem::Email))?;
    let name = DisplayName::parse(&row.name).ok_or_else(|| error(RowProblem::Name))?;
    let role = match row.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(text) => {
            Some(Role::parse(&text.to_ascii_lowercase()).ok_or_else(|| error(RowProblem::Role))?)
        }
        None => None,
    };
    let password_hash = match row
        .password_hash
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        Some(hash) => {
            classify(hash).map_err(|e| error(RowProblem::PasswordHash(e)))?;
            Some(hash.to_string())
        }
        None => None,
    };
    Ok(Checked {
        line: row.line,
        user_id,
        kind,
        email: email.as_str().to_string(),
        name: name.as_str().to_string(),
        role,
        password_hash,
    })
}

/// Refuses every row whose user ID an earlier row has; keeps the first.
pub(super) fn refuse_duplicates(rows: Vec<Checked>, errors: &mut Vec<RowError>) -> Vec<Checked> {
    let mut first: HashMap<String, u64> = HashMap::with_capacity(rows.len());
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        match first.get(&row.user_id.key()) {
            Some(&first_line) => errors.push(RowError {
                line: row.line,
                user_id: row.user_id.to_string(),
                problem: RowProblem::Duplicate { first_line },
            }),
            None => {
                first.insert(row.user_id.key(), row.line);
                kept.push(row);
            }
        }
    }
    kept
}

/// What a checked row does, given the account with its user ID, if there is one.
pub(super) fn plan_row(row: Checked, existing: Option<&UserRecord>) -> PlannedRow {
    let Some(user) = existing else {
        return PlannedRow {
            line: row.line,
            user_id: row.user_id,
            action: RowAction::Add,
            role_kept: None,
            pk: None,
            kind: row.kind,
            email: row.email,
            name: row.name,
            role: row.role.unwrap_or(Role::User),
            password_hash: row.password_hash,
        };
    };
    let mut changed = Vec::new();
    if user.kind != row.kind {
        changed.push(Field::Kind);
    }
    if user.email != row.email {
        changed.push(Field::Email);
    }
    if user.name != row.name {
        changed.push(Field::Name);
    }
    PlannedRow {
        line: row.line,
        // The account keeps the user ID's spelling it was made with.
        user_id: user.user_id.clone(),
        action: if changed.is_empty() {
            RowAction::Unchanged
        } else {
            RowAction::Update(changed)
        },
        role_kept: row.role.filter(|r| *r != user.role).map(|_| user.role),
        pk: Some(user.pk),
        kind: row.kind,
        email: row.email,
        name: row.name,
        role: user.role,
        // An account that exists keeps its password: its owner may have logged in (and
        // the hash been upgraded) or changed it since the file was made.
        password_hash: None,
    }
}
