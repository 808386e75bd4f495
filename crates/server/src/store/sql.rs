//! One way to run SQL on either backend: a transaction ([`Tx`]) over a SQLite or a
//! PostgreSQL connection, values ([`Value`]) and rows ([`Row`]) that mean the same on both.
//!
//! Statements are written once, in the SQL both engines share, with SQLite's numbered
//! placeholders (`?1`); on PostgreSQL they are rewritten to `$1` when first prepared and
//! cached per connection. Integers are `i64` on both sides (the PostgreSQL schema uses
//! `BIGINT`; a value bound to an `INTEGER` or `SMALLINT` parameter is narrowed, checked),
//! booleans are 0/1 integers as SQLite keeps them, times are text or integers as each
//! column says. Where the two dialects truly differ a statement asks [`Tx::backend`].
//!
//! The raw methods (`execute`, `query_*`) are `pub(in crate::store)`: only the store's
//! modules run SQL.

use std::cell::RefCell;
use std::collections::HashMap;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::{Backend, Error, StoreResult};

pub(in crate::store) use super::value::params;
pub use super::value::{FromValue, Params, ToValue, Value};

/// Picks a column by position.
pub trait ColIndex {
    /// The position.
    fn index(self) -> usize;
}
impl ColIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// `?first, ?first+1, …`: `n` numbered placeholders, for an `IN (…)` list.
pub(in crate::store) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|k| format!("?{k}")).collect::<Vec<_>>().join(", ")
}

/// One row of a result.
pub struct Row<'a>(RowInner<'a>);

enum RowInner<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    /// The column at `idx` as `T` (an error names the column if it is not one).
    pub fn get<I: ColIndex, T: FromValue>(&self, idx: I) -> StoreResult<T> {
        let idx = idx.index();
        let value = match &self.0 {
            RowInner::Sqlite(r) => sqlite_value(r, idx),
            RowInner::Postgres(r) => postgres_value(r, idx),
        }?;
        T::from_value(value).map_err(|message| Error::Decode { column: idx, message })
    }

    /// The text column at `idx` read by `parse` (a state or role stored by name); an
    /// error saying it is not `what` when `parse` does not know it.
    pub fn get_parsed<T>(&self, idx: usize, what: &str, parse: impl FnOnce(&str) -> Option<T>) -> StoreResult<T> {
        let text: String = self.get(idx)?;
        parse(&text).ok_or_else(|| Error::Decode { column: idx, message: format!("{text:?} is not {what}") })
    }

    /// The integer column at `idx` as a time in Unix seconds (the sessions' columns, kept
    /// as integers because their expiry is compared on every request).
    pub fn get_unix_time(&self, idx: usize) -> StoreResult<time::OffsetDateTime> {
        let secs: i64 = self.get(idx)?;
        time::OffsetDateTime::from_unix_timestamp(secs)
            .map_err(|e| Error::Decode { column: idx, message: format!("{secs} is not a time: {e}") })
    }
}

fn sqlite_value(r: &rusqlite::Row<'_>, idx: usize) -> StoreResult<Value> {
    use rusqlite::types::ValueRef;
    Ok(match r.get_ref(idx)? {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(
            String::from_utf8(t.to_vec()).map_err(|e| Error::Decode { column: idx, message: e.to_string() })?,
        ),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

fn postgres_value(r: &postgres::Row, idx: usize) -> StoreResult<Value> {
    let ty = r
        .columns()
        .get(idx)
        .map(|c| c.type_().clone())
        .ok_or(Error::Decode { column: idx, message: "no such column".to_owned() })?;
    let v = if ty == Type::INT8 {
        r.try_get::<_, Option<i64>>(idx)?.map(Value::Int)
    } else if ty == Type::INT4 {
        r.try_get::<_, Option<i32>>(idx)?.map(|i| Value::Int(i.into()))
    } else if ty == Type::INT2 {
        r.try_get::<_, Option<i16>>(idx)?.map(|i| Value::Int(i.into()))
    } else if ty == Type::BOOL {
        r.try_get::<_, Option<bool>>(idx)?.map(|b| Value::Int(b.into()))
    } else if ty == Type::FLOAT8 {
        r.try_get::<_, Option<f64>>(idx)?.map(Value::Real)
    } else if ty == Type::FLOAT4 {
        r.try_get::<_, Option<f32>>(idx)?.map(|f| Value::Real(f.into()))
    } else if ty == Type::BYTEA {
        r.try_get::<_, Option<Vec<u8>>>(idx)?.map(Value::Blob)
    } else {
        // TEXT, VARCHAR, NAME, and anything else PostgreSQL can send as text.
        r.try_get::<_, Option<String>>(idx)?.map(Value::Text)
    };
    Ok(v.unwrap_or(Value::Null))
}

/// Binds a [`Value`] to whatever type PostgreSQL inferred for the placeholder.
impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => {
                if *ty == Type::INT8 {
                    i.to_sql(ty, out)
                } else if *ty == Type::INT4 {
                    i32::try_from(*i)?.to_sql(ty, out)
                } else if *ty == Type::INT2 {
                    i16::try_from(*i)?.to_sql(ty, out)
                } else if *ty == Type::BOOL {
                    (*i != 0).to_sql(ty, out)
                } else if *ty == Type::FLOAT8 {
                    #[allow(clippy::cast_precision_loss)]
                    (*i as f64).to_sql(ty, out)
                } else {
                    Err(format!("an integer cannot be bound to a {ty} parameter").into())
                }
            }
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Rewrites SQLite's placeholders (`?1`, or bare `?` counted in order) as PostgreSQL's
/// (`$1`), leaving string literals, quoted names and comments alone.
pub(in crate::store) fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut bare = 0;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        out.push(d);
                        chars.next();
                    }
                } else {
                    bare += 1;
                    out.push_str(&bare.to_string());
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Prepared statements of one PostgreSQL connection, by their SQLite-dialect text.
pub(crate) type Statements = HashMap<String, postgres::Statement>;

/// One transaction on either backend. Every write of the server happens inside one (see
/// [`super::Db::write`]); dropped without [`Tx::commit`], it rolls back.
pub struct Tx<'c>(TxInner<'c>, RefCell<super::feed::Appended>);

enum TxInner<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    Postgres { tx: RefCell<postgres::Transaction<'c>>, stmts: RefCell<&'c mut Statements> },
}

impl<'c> Tx<'c> {
    pub(in crate::store) fn sqlite(tx: rusqlite::Transaction<'c>) -> Self {
        Self(TxInner::Sqlite(tx), RefCell::default())
    }

    pub(in crate::store) fn postgres(tx: postgres::Transaction<'c>, stmts: &'c mut Statements) -> Self {
        Self(TxInner::Postgres { tx: RefCell::new(tx), stmts: RefCell::new(stmts) }, RefCell::default())
    }

    /// What this write appended to the feed so far (see [`super::append`]).
    pub(in crate::store) fn appended(&self) -> std::cell::RefMut<'_, super::feed::Appended> {
        self.1.borrow_mut()
    }

    /// Which engine this transaction runs on (for the few statements that differ).
    pub fn backend(&self) -> Backend {
        match self.0 {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Commits.
    pub(in crate::store) fn commit(self) -> StoreResult<()> {
        match self.0 {
            TxInner::Sqlite(tx) => Ok(tx.commit()?),
            TxInner::Postgres { tx, .. } => Ok(tx.into_inner().commit()?),
        }
    }

    fn pg_statement(
        tx: &mut postgres::Transaction<'_>,
        stmts: &RefCell<&'c mut Statements>,
        sql: &str,
    ) -> StoreResult<postgres::Statement> {
        if let Some(s) = stmts.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = tx.prepare(&to_postgres(sql)).map_err(|e| Error::Postgres(e, Some(first_words(sql))))?;
        stmts.borrow_mut().insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    fn pg_query(&self, sql: &str, values: &[Value]) -> StoreResult<Vec<postgres::Row>> {
        let TxInner::Postgres { tx, stmts } = &self.0 else { unreachable!("called on PostgreSQL only") };
        let mut tx = tx.borrow_mut();
        let stmt = Self::pg_statement(&mut tx, stmts, sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        tx.query(&stmt, &refs).map_err(|e| Error::Postgres(e, Some(first_words(sql))))
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(in crate::store) fn execute(&self, sql: &str, params: impl Params) -> StoreResult<usize> {
        let values = params.into_values();
        match &self.0 {
            TxInner::Sqlite(tx) => {
                Ok(tx.prepare_cached(sql)?.execute(rusqlite::params_from_iter(values.iter().map(sqlite_param)))?)
            }
            TxInner::Postgres { tx, stmts } => {
                let mut tx = tx.borrow_mut();
                let stmt = Self::pg_statement(&mut tx, stmts, sql)?;
                let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                let n = tx.execute(&stmt, &refs).map_err(|e| Error::Postgres(e, Some(first_words(sql))))?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Every row of a query, each read by `f`.
    pub(in crate::store) fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let values = params.into_values();
        match &self.0 {
            TxInner::Sqlite(tx) => {
                let mut stmt = tx.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter().map(sqlite_param)))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row(RowInner::Sqlite(r)))?);
                }
                Ok(out)
            }
            TxInner::Postgres { .. } => {
                // Read every row before mapping: `f` may run queries of its own.
                let rows = self.pg_query(sql, &values)?;
                rows.iter().map(|r| f(&Row(RowInner::Postgres(r)))).collect()
            }
        }
    }

    /// Every row of a query, handed to `f` one at a time as SQLite reads it (a whole
    /// table need not fit in memory; on PostgreSQL the rows are read first).
    pub(in crate::store) fn for_each(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> StoreResult<()>,
    ) -> StoreResult<u64> {
        let values = params.into_values();
        let mut n = 0;
        match &self.0 {
            TxInner::Sqlite(tx) => {
                let mut stmt = tx.prepare(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter().map(sqlite_param)))?;
                while let Some(r) = rows.next()? {
                    f(&Row(RowInner::Sqlite(r)))?;
                    n += 1;
                }
            }
            TxInner::Postgres { .. } => {
                for r in self.pg_query(sql, &values)? {
                    f(&Row(RowInner::Postgres(&r)))?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// The first row of a query, if there is one.
    pub(in crate::store) fn query_opt<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        let values = params.into_values();
        match &self.0 {
            TxInner::Sqlite(tx) => {
                let mut stmt = tx.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter().map(sqlite_param)))?;
                match rows.next()? {
                    Some(r) => f(&Row(RowInner::Sqlite(r))).map(Some),
                    None => Ok(None),
                }
            }
            TxInner::Postgres { .. } => {
                let rows = self.pg_query(sql, &values)?;
                rows.first().map(|r| f(&Row(RowInner::Postgres(r)))).transpose()
            }
        }
    }

    /// The first row of a query that always returns one (an error if it did not).
    pub(in crate::store) fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.query_opt(sql, params, f)?.ok_or_else(|| Error::NoRow(first_words(sql)))
    }
}

fn sqlite_param(v: &Value) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    ToSqlOutput::Borrowed(match v {
        Value::Null => ValueRef::Null,
        Value::Int(i) => ValueRef::Integer(*i),
        Value::Real(f) => ValueRef::Real(*f),
        Value::Text(s) => ValueRef::Text(s.as_bytes()),
        Value::Blob(b) => ValueRef::Blob(b),
    })
}

/// The start of a statement, to name it in an error without its data.
fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::to_postgres;

    #[test]
    fn placeholders_become_postgres_ones_outside_literals() {
        assert_eq!(to_postgres("SELECT a FROM t WHERE b = ?1 AND c = ?12"), "SELECT a FROM t WHERE b = $1 AND c = $12");
        assert_eq!(to_postgres("SELECT '?1', \"x?\" FROM t WHERE a = ?"), "SELECT '?1', \"x?\" FROM t WHERE a = $1");
        assert_eq!(to_postgres("-- what?\nSELECT ?, ?"), "-- what?\nSELECT $1, $2");
    }
}
