//! PostgreSQL through sqlx's `Any` driver, as the store ran before SQLite moved in place.

use sqlx::Any;
use sqlx::any::AnyArguments;

use super::value::Kind;
use super::{DbError, Done, Fetch, Query, Row, Value};

fn prepared<'q>(query: &'q Query<'_>) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
    query
        .args
        .iter()
        .fold(sqlx::query(query.sql), |out, value| match value {
            Value::Null(Kind::Int) => out.bind(None::<i64>),
            Value::Null(Kind::Real) => out.bind(None::<f64>),
            Value::Null(Kind::Text) => out.bind(None::<String>),
            Value::Null(Kind::Blob) => out.bind(None::<Vec<u8>>),
            Value::Int(v) => out.bind(*v),
            Value::Real(v) => out.bind(*v),
            Value::Text(v) => out.bind(v.as_str()),
            Value::Blob(v) => out.bind(v.as_slice()),
        })
}

pub(super) async fn execute<'c>(
    on: impl sqlx::Executor<'c, Database = Any>,
    query: &Query<'_>,
) -> Result<Done, DbError> {
    let done = prepared(query).execute(on).await?;
    Ok(Done {
        rows_affected: done.rows_affected(),
    })
}

pub(super) async fn rows<'c>(
    on: impl sqlx::Executor<'c, Database = Any>,
    query: &Query<'_>,
    fetch: Fetch,
) -> Result<Vec<Row>, DbError> {
    let prepared = prepared(query);
    let rows = match fetch {
        Fetch::One => prepared.fetch_optional(on).await?.into_iter().collect(),
        Fetch::All => prepared.fetch_all(on).await?,
    };
    Ok(rows.into_iter().map(Row::Any).collect())
}
