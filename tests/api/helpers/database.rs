//! A fresh database per test: a SQLite file in a temporary directory, or a new PostgreSQL
//! database dropped afterwards.

use std::collections::HashMap;
use std::path::PathBuf;

use diesel::{Connection, RunQueryDsl};
use maskportal::db::{Backend, DbConnection};

/// A fresh database, with its URL and the directory its secrets live in.
pub struct TestDatabase {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("test.db").to_string_lossy().into_owned();
        Self { url, dir, postgres: None }
    }

    /// A new database on the server named by `TEST_DATABASE_URL`, dropped afterwards.
    pub fn postgres(admin_url: &str) -> Self {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
        Self {
            url: format!("{base}/{name}"),
            dir: tempfile::tempdir().expect("temp dir"),
            postgres: Some((admin_url.to_owned(), name)),
        }
    }

    pub fn postgres_if_configured() -> Option<Self> {
        match postgres_admin_url() {
            Some(url) => Some(Self::postgres(&url)),
            None if std::env::var_os("CI").is_some() => {
                panic!("CI must run the PostgreSQL tests: set TEST_DATABASE_URL")
            }
            None => {
                eprintln!("skipping the PostgreSQL run: TEST_DATABASE_URL is not set");
                None
            }
        }
    }

    pub fn backend(&self) -> Backend {
        if self.postgres.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The environment a `maskportal` process needs to use this database.
    pub fn env(&self) -> HashMap<String, String> {
        HashMap::from([
            ("DATABASE_URL".to_owned(), self.url.clone()),
            ("MASKPORTAL_SECRETS_DIR".to_owned(), self.dir.path().to_string_lossy().into_owned()),
            ("MASKPORTAL_BIND".to_owned(), "127.0.0.1:0".to_owned()),
            ("MASKPORTAL_WORKERS".to_owned(), "2".to_owned()),
            ("MASKPORTAL_DB_POOL_SIZE".to_owned(), "8".to_owned()),
        ])
    }

    pub fn secrets_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Everything the database holds, as bytes: the SQLite files, or a `pg_dump`.
    pub fn dump(&self) -> Vec<u8> {
        match &self.postgres {
            None => ["", "-wal"]
                .iter()
                .filter_map(|suffix| std::fs::read(format!("{}{suffix}", self.url)).ok())
                .flatten()
                .collect(),
            Some(_) => {
                let output = std::process::Command::new("pg_dump")
                    .arg("--data-only")
                    .arg(&self.url)
                    .output()
                    .expect("pg_dump runs");
                assert!(output.status.success(), "pg_dump: {}", String::from_utf8_lossy(&output.stderr));
                output.stdout
            }
        }
    }

    /// A direct connection, for checks the HTTP API deliberately does not offer.
    pub fn connect(&self) -> DbConnection {
        let url = self.url.parse().expect("database url");
        r2d2::ManageConnection::connect(&maskportal::db::connection::ConnectionManager::new(url))
            .expect("connect")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres {
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

pub(super) fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|url| !url.trim().is_empty())
}
