//! A database of its own for one run (a simulation): made on the PostgreSQL server an admin URL
//! reaches, dropped when the run is over.

use crate::db;

use super::ServiceError;

/// A database made for one run, and the admin URL it was made through.
#[derive(Debug)]
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Makes `{prefix}_{random}` on the server of `admin_url`, whose own database only serves to
    /// issue `CREATE DATABASE`.
    pub fn create(admin_url: &str, prefix: &str) -> Result<Self, ServiceError> {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        db::scratch::create_database(admin_url, &name)?;
        Ok(Self { admin_url: admin_url.to_owned(), url: with_database(admin_url, &name), name })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The new database's URL, as `DATABASE_URL` takes it: the admin URL naming it instead.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, ending any session still connected to it.
    pub fn remove(&self) -> Result<(), ServiceError> {
        Ok(db::scratch::drop_database(&self.admin_url, &self.name)?)
    }
}

/// `admin_url` with `name` in place of its database, its parameters kept.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{server}/{name}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_database_is_named_in_place_of_the_admin_one() {
        assert_eq!(with_database("postgres://u:p@h:5432/postgres", "sim_1"), "postgres://u:p@h:5432/sim_1");
        assert_eq!(
            with_database("postgres://h/postgres?sslmode=disable", "sim_1"),
            "postgres://h/sim_1?sslmode=disable"
        );
    }
}
