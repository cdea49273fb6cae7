//! A database made for one simulation and removed after it: a SQLite file in a temporary
//! directory, or a new database on the PostgreSQL server a URL names.

use anyhow::Context;

use maskportal::db::{DatabaseUrl, DbError};
use maskportal::services::scratch::ScratchDatabase;
use maskportal::services::ServiceError;

/// The scratch database; dropping it removes it.
pub struct Scratch {
    /// The database, as `DATABASE_URL` takes it.
    pub url_text: String,
    /// Holds the SQLite file and the development secrets.
    pub dir: tempfile::TempDir,
    /// The database made on a PostgreSQL server, to drop afterwards.
    postgres: Option<ScratchDatabase>,
}

impl Scratch {
    /// A fresh SQLite file, or for a PostgreSQL URL a fresh database on that server (the URL's
    /// own database is only used to issue `CREATE DATABASE`). When the server refuses to create
    /// one, the named database itself is used, provided it holds no sites yet.
    pub fn create(server: Option<&str>) -> anyhow::Result<Self> {
        let dir =
            tempfile::Builder::new().prefix("maskportal-sim-").tempdir().context("a temporary directory")?;
        let Some(raw) = server else {
            let path = dir.path().join("simulate.db");
            let url_text = path.to_string_lossy().into_owned();
            return Ok(Self { url_text, dir, postgres: None });
        };
        let url: DatabaseUrl = raw.parse().context("--database")?;
        let DatabaseUrl::Postgres(admin_url) = url else {
            // A SQLite path: use it, but never an existing file.
            let DatabaseUrl::Sqlite(path) = &url else { unreachable!() };
            anyhow::ensure!(!path.exists(), "{} exists: simulate only fills a new database", path.display());
            let url_text = path.to_string_lossy().into_owned();
            return Ok(Self { url_text, dir, postgres: None });
        };
        match ScratchDatabase::create(&admin_url, "sim") {
            Ok(database) => Ok(Self { url_text: database.url().to_owned(), dir, postgres: Some(database) }),
            Err(ServiceError::Db(DbError::Connect(error))) => Err(error).with_context(|| {
                format!("cannot reach PostgreSQL at {:?}", DatabaseUrl::Postgres(admin_url.clone()))
            }),
            Err(error) => {
                tracing::warn!(%error, "cannot create a scratch database; using the named one if it is empty");
                Ok(Self { url_text: admin_url, dir, postgres: None })
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(database) = &self.postgres {
            if let Err(error) = database.remove() {
                eprintln!("warning: could not drop the scratch database {}: {error}", database.name());
            }
        }
    }
}
