//! Statements built at run time (filters, lists) with their arguments: each bound value gets
//! the next `$n`, which both SQLite and PostgreSQL read. (sqlx's `QueryBuilder` writes `?` for
//! the `Any` driver, which PostgreSQL does not accept.)

use sqlx::AnyPool;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments, Encode, Type};
use std::fmt::Write;

pub(crate) struct Sql<'q> {
    text: String,
    args: AnyArguments<'q>,
    bound: usize,
}

impl<'q> Sql<'q> {
    pub(crate) fn new(text: impl Into<String>) -> Sql<'q> {
        Sql {
            text: text.into(),
            args: AnyArguments::default(),
            bound: 0,
        }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the next placeholder and binds `value` to it.
    pub(crate) fn bind<T: 'q + Encode<'q, Any> + Type<Any>>(&mut self, value: T) -> &mut Self {
        self.bound += 1;
        let _ = write!(self.text, "${}", self.bound);
        // Adding a value to `Any` arguments only fails for types `Any` cannot carry, which the
        // bounds above exclude.
        let _ = self.args.add(value);
        self
    }

    /// `v1, v2, …` bound, or `NULL` for none (so `IN (…)` stays valid and matches nothing).
    pub(crate) fn bind_list(&mut self, values: &[String]) -> &mut Self {
        if values.is_empty() {
            self.push("NULL");
        }
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v.clone());
        }
        self
    }

    pub(crate) async fn fetch_all(self, pool: &AnyPool) -> Result<Vec<AnyRow>, sqlx::Error> {
        sqlx::query_with(&self.text, self.args)
            .fetch_all(pool)
            .await
    }

    pub(crate) async fn fetch_i64(self, pool: &AnyPool) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar_with(&self.text, self.args)
            .fetch_one(pool)
            .await
    }
}
