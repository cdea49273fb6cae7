//! Typed settings: `maskportal.toml` (optional) overlaid by `MASKPORTAL_*` and `DATABASE_URL`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use std::num::NonZeroU32;

use ipnet::IpNet;

use crate::db::DatabaseUrl;

/// `development` generates missing secrets and allows a shifted clock; `production` refuses both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

/// How long after a sale it may still be voided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoidWindow {
    /// Until midnight KST of the day of the sale.
    SameDay,
    Hours(u32),
}

impl std::str::FromStr for VoidWindow {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "same_day" => Ok(Self::SameDay),
            hours => hours
                .strip_suffix('h')
                .and_then(|h| h.parse().ok())
                .map(Self::Hours)
                .ok_or_else(|| format!("`{raw}` is neither same_day nor a number of hours like 24h")),
        }
    }
}

/// Everything the service needs to start, parsed once.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    /// Start the service clock at this instant (simulations, training, tests).
    pub clock_start: Option<DateTime<Utc>>,
    /// Where development secrets are generated and kept; never inside the database.
    pub secrets_dir: PathBuf,
    pub jwt_secret: SecretSource,
    pub id_key: SecretSource,
    /// A rationing policy file; the built-in launch policy when absent.
    pub policy_file: Option<PathBuf>,
    pub db_pool_size: u32,
    pub workers: usize,
    pub sessions: SessionSettings,
    pub void_window: VoidWindow,
    pub public: PublicSettings,
}

/// The work argon2id puts into each password hash (OWASP's recommendation by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashingCost {
    fn default() -> Self {
        Self {
            memory_kib: argon2::Params::DEFAULT_M_COST,
            iterations: argon2::Params::DEFAULT_T_COST,
            parallelism: argon2::Params::DEFAULT_P_COST,
        }
    }
}

/// A sustained request rate and the burst allowed above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

/// Lets a 2020 app page through every store back to back and poll every few seconds, while a
/// flood from one address is cut.
const DEFAULT_PUBLIC_RATE: Rate =
    Rate { per_second: NonZeroU32::new(20).unwrap(), burst: NonZeroU32::new(100).unwrap() };

/// The open API's limits and caching.
#[derive(Debug, Clone)]
pub struct PublicSettings {
    /// Anonymous callers, per client address.
    pub rate: Rate,
    /// `Cache-Control: public, max-age=N` on public replies; short, so caches never hide a
    /// sell-out for long.
    pub max_age: u32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// How often the board looks at the change log when no in-process event woke it.
    pub board_poll: Duration,
    /// A second listener for the open API alone, with its own worker threads.
    pub bind: Option<SocketAddr>,
    pub workers: usize,
    /// How much lower the dedicated listener's worker threads run than the counter's
    /// (Linux niceness, 0–19), so that a read flood yields the CPU to counter writes.
    pub nice: i32,
}

/// Sign-in and session limits.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub token_lifetime: Duration,
    pub idle_timeout: Duration,
    pub max_failed_logins: u32,
    /// Failures from one client address before it is locked out (several clerks may share one).
    pub max_failed_logins_per_ip: u32,
    pub lockout: Duration,
    pub hashing: HashingCost,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            token_lifetime: Duration::from_secs(12 * 3600),
            idle_timeout: Duration::from_secs(20 * 60),
            max_failed_logins: 5,
            max_failed_logins_per_ip: 20,
            hashing: HashingCost::default(),
            lockout: Duration::from_secs(15 * 60),
        }
    }
}

/// Where a secret comes from, in order of preference.
#[derive(Clone, Default)]
pub struct SecretSource {
    pub value: Option<String>,
    pub file: Option<PathBuf>,
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretSource")
            .field("value", &self.value.as_ref().map(|_| "***"))
            .field("file", &self.file)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("config file {path}: {source}")]
    Toml { path: PathBuf, source: Box<toml::de::Error> },
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

/// The optional file, every key optional; environment variables win over it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    env: Option<Environment>,
    database_url: Option<String>,
    bind: Option<String>,
    clock: Option<String>,
    secrets_dir: Option<PathBuf>,
    jwt_secret_file: Option<PathBuf>,
    id_key_file: Option<PathBuf>,
    policy: Option<PathBuf>,
    db_pool_size: Option<u32>,
    workers: Option<usize>,
    session_hours: Option<u64>,
    idle_minutes: Option<u64>,
    max_failed_logins: Option<u32>,
    max_failed_logins_per_ip: Option<u32>,
    argon2_memory_kib: Option<u32>,
    argon2_iterations: Option<u32>,
    argon2_parallelism: Option<u32>,
    lockout_minutes: Option<u64>,
    void_window: Option<String>,
    public_rps: Option<NonZeroU32>,
    public_burst: Option<NonZeroU32>,
    public_max_age: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    board_poll_ms: Option<u64>,
    public_bind: Option<String>,
    public_workers: Option<usize>,
    public_nice: Option<i32>,
}

impl Config {
    /// Loads from the process environment and `MASKPORTAL_CONFIG` (default `./maskportal.toml`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Loads from the given variables; separate from the process environment so tests can
    /// build a config without touching global state.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let var = |name: &str| vars.get(name).filter(|v| !v.trim().is_empty()).cloned();
        let file_path = var("MASKPORTAL_CONFIG").map(PathBuf::from);
        let file = read_file_config(file_path.as_deref())?;

        let environment = match var("MASKPORTAL_ENV") {
            Some(raw) => match raw.as_str() {
                "development" => Environment::Development,
                "production" => Environment::Production,
                _ => return invalid("MASKPORTAL_ENV", "must be development or production"),
            },
            None => file.env.unwrap_or(Environment::Development),
        };

        let database_url: DatabaseUrl = var("DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| "maskportal.db".to_owned())
            .parse()
            .map_err(|e: crate::db::connection::DatabaseUrlError| ConfigError::Invalid {
                key: "DATABASE_URL",
                message: e.to_string(),
            })?;

        let bind = var("MASKPORTAL_BIND").or(file.bind).unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind.parse().or_else(|_| {
            invalid("MASKPORTAL_BIND", format!("`{bind}` is not an address like 127.0.0.1:8080"))
        })?;

        let clock_start = match var("MASKPORTAL_CLOCK").or(file.clock) {
            None => None,
            Some(_) if environment == Environment::Production => {
                return invalid("MASKPORTAL_CLOCK", "a shifted clock is refused in production")
            }
            Some(raw) => Some(
                DateTime::parse_from_rfc3339(&raw)
                    .map_err(|_| ConfigError::Invalid {
                        key: "MASKPORTAL_CLOCK",
                        message: format!("`{raw}` is not an RFC 3339 instant like 2020-03-11T09:00:00+09:00"),
                    })?
                    .with_timezone(&Utc),
            ),
        };

        let secrets_dir = var("MASKPORTAL_SECRETS_DIR")
            .map(PathBuf::from)
            .or(file.secrets_dir)
            .unwrap_or_else(|| default_secrets_dir(&database_url));

        let defaults = SessionSettings::default();
        let minutes = |m: u64| Duration::from_secs(m * 60);
        let sessions = SessionSettings {
            token_lifetime: parse_var(vars, "MASKPORTAL_SESSION_HOURS")?
                .or(file.session_hours)
                .map_or(defaults.token_lifetime, |h| Duration::from_secs(h * 3600)),
            idle_timeout: parse_var(vars, "MASKPORTAL_IDLE_MINUTES")?
                .or(file.idle_minutes)
                .map_or(defaults.idle_timeout, minutes),
            max_failed_logins: parse_var(vars, "MASKPORTAL_MAX_FAILED_LOGINS")?
                .or(file.max_failed_logins)
                .unwrap_or(defaults.max_failed_logins),
            max_failed_logins_per_ip: parse_var(vars, "MASKPORTAL_MAX_FAILED_LOGINS_PER_IP")?
                .or(file.max_failed_logins_per_ip)
                .unwrap_or(defaults.max_failed_logins_per_ip),
            hashing: HashingCost {
                memory_kib: parse_var(vars, "MASKPORTAL_ARGON2_MEMORY_KIB")?
                    .or(file.argon2_memory_kib)
                    .unwrap_or(defaults.hashing.memory_kib),
                iterations: parse_var(vars, "MASKPORTAL_ARGON2_ITERATIONS")?
                    .or(file.argon2_iterations)
                    .unwrap_or(defaults.hashing.iterations),
                parallelism: parse_var(vars, "MASKPORTAL_ARGON2_PARALLELISM")?
                    .or(file.argon2_parallelism)
                    .unwrap_or(defaults.hashing.parallelism),
            },
            lockout: parse_var(vars, "MASKPORTAL_LOCKOUT_MINUTES")?
                .or(file.lockout_minutes)
                .map_or(defaults.lockout, minutes),
        };

        let void_window = match var("MASKPORTAL_VOID_WINDOW").or(file.void_window) {
            None => VoidWindow::SameDay,
            Some(raw) => raw
                .parse()
                .map_err(|message| ConfigError::Invalid { key: "MASKPORTAL_VOID_WINDOW", message })?,
        };

        let trusted_proxies = match var("MASKPORTAL_TRUSTED_PROXIES") {
            Some(list) => list.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
            None => file.trusted_proxies.unwrap_or_default(),
        };
        let public = PublicSettings {
            rate: Rate {
                per_second: parse_var(vars, "MASKPORTAL_PUBLIC_RPS")?
                    .or(file.public_rps)
                    .unwrap_or(DEFAULT_PUBLIC_RATE.per_second),
                burst: parse_var(vars, "MASKPORTAL_PUBLIC_BURST")?
                    .or(file.public_burst)
                    .unwrap_or(DEFAULT_PUBLIC_RATE.burst),
            },
            max_age: parse_var(vars, "MASKPORTAL_PUBLIC_MAX_AGE")?.or(file.public_max_age).unwrap_or(1),
            trusted_proxies: trusted_proxies.iter().map(|raw| parse_proxy(raw)).collect::<Result<_, _>>()?,
            bind: match var("MASKPORTAL_PUBLIC_BIND").or(file.public_bind) {
                None => None,
                Some(raw) => Some(raw.parse().or_else(|_| {
                    invalid("MASKPORTAL_PUBLIC_BIND", format!("`{raw}` is not an address like 0.0.0.0:8081"))
                })?),
            },
            workers: parse_var(vars, "MASKPORTAL_PUBLIC_WORKERS")?.or(file.public_workers).unwrap_or(1),
            nice: match parse_var::<i32>(vars, "MASKPORTAL_PUBLIC_NICE")?.or(file.public_nice).unwrap_or(10) {
                n @ 0..=19 => n,
                n => return invalid("MASKPORTAL_PUBLIC_NICE", format!("{n} is not a niceness from 0 to 19")),
            },
            board_poll: Duration::from_millis(
                parse_var(vars, "MASKPORTAL_BOARD_POLL_MS")?.or(file.board_poll_ms).unwrap_or(500),
            ),
        };

        Ok(Self {
            public,
            void_window,
            environment,
            bind,
            clock_start,
            secrets_dir,
            jwt_secret: SecretSource {
                value: var("MASKPORTAL_JWT_SECRET"),
                file: var("MASKPORTAL_JWT_SECRET_FILE").map(PathBuf::from).or(file.jwt_secret_file),
            },
            id_key: SecretSource {
                value: var("MASKPORTAL_ID_KEY"),
                file: var("MASKPORTAL_ID_KEY_FILE").map(PathBuf::from).or(file.id_key_file),
            },
            policy_file: var("MASKPORTAL_POLICY").map(PathBuf::from).or(file.policy),
            db_pool_size: parse_var(vars, "MASKPORTAL_DB_POOL_SIZE")?.or(file.db_pool_size).unwrap_or(
                match database_url.backend() {
                    // SQLite has one writer at a time; a few connections serve the readers.
                    crate::db::Backend::Sqlite => 8,
                    crate::db::Backend::Postgres => 16,
                },
            ),
            workers: parse_var(vars, "MASKPORTAL_WORKERS")?
                .or(file.workers)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            database_url,
            sessions,
        })
    }
}

/// Development secrets live beside the SQLite file, or in the working directory for PostgreSQL.
fn default_secrets_dir(url: &DatabaseUrl) -> PathBuf {
    match url {
        DatabaseUrl::Sqlite(path) => match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        },
        DatabaseUrl::Postgres(_) => PathBuf::from("."),
    }
}

fn read_file_config(explicit: Option<&Path>) -> Result<FileConfig, ConfigError> {
    let path = explicit.unwrap_or(Path::new("maskportal.toml"));
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        // Only the default location is optional; a named file must exist.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            return Ok(FileConfig::default())
        }
        Err(source) => return Err(ConfigError::File { path: path.to_path_buf(), source }),
    };
    toml::from_str(&text)
        .map_err(|source| ConfigError::Toml { path: path.to_path_buf(), source: Box::new(source) })
}

fn parse_var<T: std::str::FromStr>(
    vars: &HashMap<String, String>,
    key: &'static str,
) -> Result<Option<T>, ConfigError> {
    match vars.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(raw) => {
            raw.parse().map(Some).or_else(|_| invalid(key, format!("`{raw}` is not a valid number")))
        }
    }
}

/// A trusted proxy: an address (`10.0.0.5`) or a network (`10.0.0.0/8`).
fn parse_proxy(raw: &str) -> Result<IpNet, ConfigError> {
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(IpNet::from))
        .or_else(|_| invalid("MASKPORTAL_TRUSTED_PROXIES", format!("`{raw}` is not an address or network")))
}

fn invalid<T>(key: &'static str, message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError::Invalid { key, message: message.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_a_local_sqlite_file_on_port_8080() {
        let config = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(config.environment, Environment::Development);
        assert_eq!(config.database_url, "maskportal.db".parse().unwrap());
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.secrets_dir, PathBuf::from("."));
        assert!(config.clock_start.is_none());
    }

    #[test]
    fn a_shifted_clock_is_parsed_in_development_and_refused_in_production() {
        let dev = Config::from_vars(&vars(&[("MASKPORTAL_CLOCK", "2020-03-11T09:00:00+09:00")]));
        assert_eq!(dev.unwrap().clock_start.unwrap().to_rfc3339(), "2020-03-11T00:00:00+00:00");
        let prod = Config::from_vars(&vars(&[
            ("MASKPORTAL_ENV", "production"),
            ("MASKPORTAL_CLOCK", "2020-03-11T09:00:00+09:00"),
        ]));
        assert!(matches!(prod, Err(ConfigError::Invalid { key: "MASKPORTAL_CLOCK", .. })));
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (key, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("MASKPORTAL_BIND", "nowhere"),
            ("MASKPORTAL_CLOCK", "yesterday"),
            ("MASKPORTAL_ENV", "staging"),
            ("MASKPORTAL_IDLE_MINUTES", "soon"),
        ] {
            match Config::from_vars(&vars(&[(key, value)])) {
                Err(ConfigError::Invalid { key: named, .. }) => assert_eq!(named, key),
                other => panic!("{key}={value}: {other:?}"),
            }
        }
    }

    #[test]
    fn password_hashing_cost_is_owasp_by_default_and_configurable() {
        let config = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(
            config.sessions.hashing,
            HashingCost { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
        );
        let config = Config::from_vars(&vars(&[
            ("MASKPORTAL_ARGON2_MEMORY_KIB", "65536"),
            ("MASKPORTAL_ARGON2_ITERATIONS", "3"),
        ]))
        .unwrap();
        assert_eq!(config.sessions.hashing, HashingCost { memory_kib: 65536, iterations: 3, parallelism: 1 });
    }

    #[test]
    fn secrets_sit_beside_the_sqlite_file() {
        let config = Config::from_vars(&vars(&[("DATABASE_URL", "/var/lib/mp/m.db")])).unwrap();
        assert_eq!(config.secrets_dir, PathBuf::from("/var/lib/mp"));
    }

    #[test]
    fn a_named_config_file_is_read_and_env_wins_over_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, "bind = \"0.0.0.0:9000\"\nidle_minutes = 5\n").unwrap();
        let path = path.to_string_lossy().to_string();
        let config = Config::from_vars(&vars(&[("MASKPORTAL_CONFIG", &path)])).unwrap();
        assert_eq!(config.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(config.sessions.idle_timeout, Duration::from_secs(300));
        let config =
            Config::from_vars(&vars(&[("MASKPORTAL_CONFIG", &path), ("MASKPORTAL_BIND", "127.0.0.1:1")]))
                .unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:1");
        let missing = Config::from_vars(&vars(&[("MASKPORTAL_CONFIG", "/nonexistent.toml")]));
        assert!(matches!(missing, Err(ConfigError::File { .. })));
    }
}
