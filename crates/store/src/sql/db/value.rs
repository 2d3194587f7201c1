//! Values bound to statements and read from rows, the kinds the store uses: integers,
//! text, bytes and their absence.

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};

/// A bound argument, or a value read from a SQLite row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// NULL, with the kind of value it stands in for (PostgreSQL types its parameters).
    Null(Kind),
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Real,
    Text,
    Blob,
}

impl Value {
    fn describe(&self) -> &'static str {
        match self {
            Self::Null(_) => "NULL",
            Self::Int(_) => "an integer",
            Self::Real(_) => "a real number",
            Self::Text(_) => "text",
            Self::Blob(_) => "bytes",
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Self::Real(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Self::Text(v.clone())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Self::Blob(v)
    }
}

impl From<&Vec<u8>> for Value {
    fn from(v: &Vec<u8>) -> Self {
        Self::Blob(v.clone())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Self::Blob(v.to_vec())
    }
}

/// The kind of NULL an absent value of a type binds as.
pub(crate) trait Typed {
    const KIND: Kind;
}

impl Typed for i64 {
    const KIND: Kind = Kind::Int;
}
impl Typed for f64 {
    const KIND: Kind = Kind::Real;
}
impl Typed for &str {
    const KIND: Kind = Kind::Text;
}
impl Typed for String {
    const KIND: Kind = Kind::Text;
}
impl Typed for &String {
    const KIND: Kind = Kind::Text;
}
impl Typed for Vec<u8> {
    const KIND: Kind = Kind::Blob;
}
impl Typed for &[u8] {
    const KIND: Kind = Kind::Blob;
}

impl<T: Typed + Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null(T::KIND), Into::into)
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Self::Null(_) => ValueRef::Null,
            Self::Int(v) => ValueRef::Integer(*v),
            Self::Real(v) => ValueRef::Real(*v),
            Self::Text(v) => ValueRef::Text(v.as_bytes()),
            Self::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

impl Value {
    /// A value of a SQLite row, copied out of it.
    pub(super) fn read(value: ValueRef<'_>) -> Result<Self, std::str::Utf8Error> {
        Ok(match value {
            ValueRef::Null => Self::Null(Kind::Int),
            ValueRef::Integer(v) => Self::Int(v),
            ValueRef::Real(v) => Self::Real(v),
            ValueRef::Text(v) => Self::Text(std::str::from_utf8(v)?.to_string()),
            ValueRef::Blob(v) => Self::Blob(v.to_vec()),
        })
    }
}

/// A type a column can be read as, from either database.
pub(crate) trait Decode:
    Sized + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>
{
    /// From a SQLite value; `Err` names what the value was instead.
    fn from_lite(value: Value) -> Result<Self, &'static str>;
}

impl Decode for i64 {
    fn from_lite(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Int(v) => Ok(v),
            other => Err(other.describe()),
        }
    }
}

impl Decode for bool {
    fn from_lite(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Int(v) => Ok(v != 0),
            other => Err(other.describe()),
        }
    }
}

impl Decode for f64 {
    fn from_lite(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Real(v) => Ok(v),
            Value::Int(v) => Ok(v as f64),
            other => Err(other.describe()),
        }
    }
}

impl Decode for String {
    fn from_lite(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Text(v) => Ok(v),
            other => Err(other.describe()),
        }
    }
}

impl Decode for Vec<u8> {
    fn from_lite(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Blob(v) => Ok(v),
            Value::Text(v) => Ok(v.into_bytes()),
            other => Err(other.describe()),
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn from_lite(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Null(_) => Ok(None),
            other => T::from_lite(other).map(Some),
        }
    }
}

/// A column by name (the last of that name, as sqlx finds it) or by position.
pub(crate) trait Index: sqlx::ColumnIndex<sqlx::any::AnyRow> + std::fmt::Display {
    fn position(&self, columns: &[String]) -> Option<usize>;
}

impl Index for &str {
    fn position(&self, columns: &[String]) -> Option<usize> {
        columns.iter().rposition(|c| c == self)
    }
}

impl Index for usize {
    fn position(&self, columns: &[String]) -> Option<usize> {
        (*self < columns.len()).then_some(*self)
    }
}
