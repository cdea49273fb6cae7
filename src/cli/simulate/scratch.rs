//! A database made for one simulation and removed after it: a SQLite file in a temporary
//! directory, or a new database on the PostgreSQL server a URL names.

use anyhow::Context;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::db::DatabaseUrl;

/// The scratch database; dropping it removes it.
pub struct Scratch {
    /// The database, as `DATABASE_URL` takes it.
    pub url_text: String,
    /// Holds the SQLite file and the development secrets.
    pub dir: tempfile::TempDir,
    /// The server's admin URL and the database made on it, to drop afterwards.
    postgres: Option<(String, String)>,
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
        let name = format!("sim_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url).with_context(|| {
            format!("cannot reach PostgreSQL at {:?}", DatabaseUrl::Postgres(admin_url.clone()))
        })?;
        match diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin) {
            Ok(_) => {
                let (base, query) = match admin_url.split_once('?') {
                    Some((base, query)) => (base, format!("?{query}")),
                    None => (admin_url.as_str(), String::new()),
                };
                let base = base.rsplit_once('/').map_or(base, |(server, _)| server);
                let url_text = format!("{base}/{name}{query}");
                Ok(Self { url_text, dir, postgres: Some((admin_url, name)) })
            }
            Err(error) => {
                tracing::warn!(%error, "cannot create a scratch database; using the named one if it is empty");
                Ok(Self { url_text: admin_url, dir, postgres: None })
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres {
            let dropped = PgConnection::establish(admin_url).and_then(|mut admin| {
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
            });
            if let Err(error) = dropped {
                eprintln!("warning: could not drop the scratch database {name}: {error}");
            }
        }
    }
}
