//! SCIM provisioning tokens and SCIM's view of accounts.

use async_trait::async_trait;

use super::users::{USER_COLUMNS, user_from_row};
use super::{SqlStore, db};
use crate::*;

const TOKEN_COLUMNS: &str = "name, token_hash, created_at, created_by, last_used_at";

fn token_from(row: &db::Row) -> Result<ScimTokenRecord, StoreError> {
    Ok(ScimTokenRecord {
        name: row.try_get("name")?,
        token_hash: row.try_get("token_hash")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

fn account_from(row: &db::Row) -> Result<ScimAccountRecord, StoreError> {
    Ok(ScimAccountRecord {
        user: user_from_row(row)?,
        external_id: row.try_get("external_id")?,
        updated_at: row.try_get("scim_updated_at")?,
    })
}

/// The condition and its values for a query; placeholders are numbered from 1.
fn conditions(query: &ScimQuery) -> (String, Vec<SqlValue>) {
    let mut clauses = vec![
        "users.role = 'user'".to_string(),
        "s.deleted_at IS NULL".into(),
    ];
    let mut values = Vec::new();
    if let Some(key) = &query.user_key {
        values.push(SqlValue::Text(key.clone()));
        clauses.push(format!("users.user_key = ${}", values.len()));
    }
    if let Some(external_id) = &query.external_id {
        values.push(SqlValue::Text(external_id.clone()));
        clauses.push(format!("s.external_id = ${}", values.len()));
    }
    if let Some(pk) = query.pk {
        values.push(SqlValue::Int(pk));
        clauses.push(format!("users.id = ${}", values.len()));
    }
    (clauses.join(" AND "), values)
}

enum SqlValue {
    Text(String),
    Int(i64),
}

fn bind_all<'q>(mut query: db::Query<'q>, values: &'q [SqlValue]) -> db::Query<'q> {
    for value in values {
        query = match value {
            SqlValue::Text(text) => query.bind(text.as_str()),
            SqlValue::Int(n) => query.bind(*n),
        };
    }
    query
}

#[async_trait]
impl ScimStore for SqlStore {
    async fn insert_scim_token(&self, token: &ScimTokenRecord) -> Result<(), StoreError> {
        db::query(&format!(
            "INSERT INTO scim_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
        ))
        .bind(&token.name)
        .bind(&token.token_hash)
        .bind(token.created_at)
        .bind(&token.created_by)
        .bind(token.last_used_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn scim_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ScimTokenRecord>, StoreError> {
        db::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM scim_tokens WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(token_from)
        .transpose()
    }

    async fn touch_scim_token(&self, name: &str, now: i64) -> Result<(), StoreError> {
        db::query("UPDATE scim_tokens SET last_used_at = $2 WHERE name = $1")
            .bind(name)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn list_scim_tokens(&self) -> Result<Vec<ScimTokenRecord>, StoreError> {
        db::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM scim_tokens ORDER BY name"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(token_from)
        .collect()
    }

    async fn delete_scim_token(&self, name: &str) -> Result<bool, StoreError> {
        let done = db::query("DELETE FROM scim_tokens WHERE name = $1")
            .bind(name)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn scim_accounts(
        &self,
        query: &ScimQuery,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<ScimAccountRecord>), StoreError> {
        let (condition, values) = conditions(query);
        let from = "FROM users LEFT JOIN scim_accounts s ON s.user_pk = users.id";
        let count_sql = format!("SELECT COUNT(*) {from} WHERE {condition}");
        let total: i64 = {
            let mut count = db::query_scalar::<i64>(&count_sql);
            for value in &values {
                count = match value {
                    SqlValue::Text(text) => count.bind(text.as_str()),
                    SqlValue::Int(n) => count.bind(*n),
                };
            }
            count.fetch_one(&self.pool).await?
        };
        let columns = USER_COLUMNS
            .split(',')
            .map(|c| format!("users.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let n = values.len();
        let sql = format!(
            "SELECT {columns}, s.external_id, s.updated_at AS scim_updated_at {from} \
             WHERE {condition} ORDER BY users.id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let rows = bind_all(db::query(&sql), &values)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let accounts = rows.iter().map(account_from).collect::<Result<_, _>>()?;
        Ok((total, accounts))
    }

    async fn put_scim_account(
        &self,
        user_pk: i64,
        external_id: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        db::query(
            "INSERT INTO scim_accounts (user_pk, external_id, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_pk) DO UPDATE SET external_id = excluded.external_id, \
             updated_at = excluded.updated_at",
        )
        .bind(user_pk)
        .bind(external_id)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn update_scim_profile(
        &self,
        user_pk: i64,
        profile: &ScimProfile,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        db::query("UPDATE users SET kind = $2, email = $3, name = $4 WHERE id = $1")
            .bind(user_pk)
            .bind(profile.kind.as_str())
            .bind(&profile.email)
            .bind(&profile.name)
            .execute(&mut *tx)
            .await?;
        db::query(
            "INSERT INTO scim_accounts (user_pk, external_id, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_pk) DO UPDATE SET external_id = excluded.external_id, \
             updated_at = excluded.updated_at",
        )
        .bind(user_pk)
        .bind(profile.external_id.as_deref())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn mark_scim_deleted(&self, user_pk: i64, now: i64) -> Result<(), StoreError> {
        db::query(
            "INSERT INTO scim_accounts (user_pk, updated_at, deleted_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_pk) DO UPDATE SET updated_at = excluded.updated_at, \
             deleted_at = excluded.deleted_at",
        )
        .bind(user_pk)
        .bind(now)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}
