//! Typed settings: `maskportal.toml` (optional) overlaid by `MASKPORTAL_*` and `DATABASE_URL`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use std::num::NonZeroU32;

use ipnet::IpNet;

use crate::db::connection::DatabaseUrlError;
use crate::db::DatabaseUrl;
use crate::domain::backdating::BackdateWindow;
use crate::domain::void_window::VoidWindow;

/// `development` generates missing secrets and allows a shifted clock; `production` refuses both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

/// What a node serves. Any number of each share one database: counter nodes take the clerks'
/// writes, public nodes answer map apps from a board of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// The portal, the counter page and the open API (one process, as before).
    #[default]
    All,
    /// The portal, the counter page and the operator routes; no open API and no board.
    Counter,
    /// The open API, its contract and docs; nothing of the portal.
    Public,
}

impl Role {
    /// True when this node answers the open API (and so keeps a board).
    pub fn serves_open_api(self) -> bool {
        self != Role::Counter
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw {
            "all" => Ok(Role::All),
            "counter" => Ok(Role::Counter),
            "public" => Ok(Role::Public),
            _ => Err(format!("`{raw}` is not a role: all, counter or public")),
        }
    }
}

/// Everything the service needs to start, parsed once.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub database_url: DatabaseUrl,
    /// What this node serves: everything, the counter, or the open API.
    pub role: Role,
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
    /// How old a sale entered late (offline, or from a paper log) may be.
    pub backdate_window: BackdateWindow,
    pub public: PublicSettings,
    /// Eligibility look-ups one session may make per minute, all of them at once if need be.
    pub lookups_per_minute: NonZeroU32,
    pub clients: ClientLimits,
    pub metrics: MetricsSettings,
}

/// What one client may hold of the server: time for each part of a request, and connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientLimits {
    /// A new connection's first request head must arrive within this.
    pub head_timeout: Duration,
    /// A request body must arrive in full within this after its head.
    pub body_timeout: Duration,
    /// An idle connection is closed after this.
    pub keep_alive: Duration,
    /// Open connections from one address (trusted proxies excepted); more are closed at once.
    pub max_connections_per_ip: u32,
}

impl Default for ClientLimits {
    fn default() -> Self {
        Self {
            head_timeout: Duration::from_secs(5),
            // Bodies are at most 16 KiB of JSON: 10 s is ample on a poor mobile link.
            body_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(5),
            // Far above a pharmacy's terminals behind one NAT, far below a slow-body flood.
            max_connections_per_ip: 256,
        }
    }
}

/// Who may read `/metrics`: nobody by default.
#[derive(Clone, Default)]
pub struct MetricsSettings {
    /// A listener of its own serving only `/metrics` (not the public or main port).
    pub bind: Option<SocketAddr>,
    /// A bearer token that opens `/metrics` on the main port (and is required on the metrics
    /// listener too when set).
    pub token: Option<String>,
}

impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("bind", &self.bind)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
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

/// Lets one address fetch every page of stores/json and sales/json at once, in parallel, at
/// the 2020 directory's size (26,549 stores: 54 + 54 pages at perPage 500, so 108 requests,
/// with room to spare), and poll every few seconds, while a sustained flood from one address
/// is cut to 20 a second once the burst is spent.
const DEFAULT_PUBLIC_RATE: Rate =
    Rate { per_second: NonZeroU32::new(20).unwrap(), burst: NonZeroU32::new(200).unwrap() };

/// A counter serves a buyer every few seconds at best, with a check or two each; a minute's
/// worth at once covers a queue, and running through numbers is cut to one a second.
/// Three days: a long weekend's paper logs can still be entered.
const DEFAULT_BACKDATE_HOURS: u32 = 72;
const DEFAULT_LOOKUPS_PER_MINUTE: NonZeroU32 = NonZeroU32::new(60).unwrap();

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

/// Where a setting's value came from, so that an error says where to mend it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Variable(&'static str),
    File { path: PathBuf, key: String },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Variable(name) => write!(f, "{name} (environment)"),
            Self::File { path, key } => write!(f, "`{key}` in {}", path.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("config file {path}: {source}")]
    Toml { path: PathBuf, source: Box<toml::de::Error> },
    #[error("config file {path}: unknown setting `{key}`")]
    UnknownKey { path: PathBuf, key: String },
    /// `key` names the setting by its variable, wherever the value came from.
    #[error("{origin}: {message}")]
    Invalid { key: &'static str, origin: Origin, message: String },
}

/// Settings read from the environment over the optional file. Each setting is named once, by
/// its variable; its file key is derived (`MASKPORTAL_IDLE_MINUTES` → `idle_minutes`).
struct Layers<'a> {
    vars: &'a HashMap<String, String>,
    file: toml::Table,
    path: PathBuf,
    /// File keys some setting has looked for: any other key in the file is a typo.
    known: std::cell::RefCell<Vec<String>>,
}

impl<'a> Layers<'a> {
    fn load(vars: &'a HashMap<String, String>) -> Result<Self, ConfigError> {
        let explicit = vars.get("MASKPORTAL_CONFIG").filter(|v| !v.trim().is_empty()).map(PathBuf::from);
        let path = explicit.clone().unwrap_or_else(|| PathBuf::from("maskportal.toml"));
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            // Only the default location is optional; a named file must exist.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => String::new(),
            Err(source) => return Err(ConfigError::File { path, source }),
        };
        let file = toml::from_str(&text)
            .map_err(|source| ConfigError::Toml { path: path.clone(), source: Box::new(source) })?;
        Ok(Self { vars, file, path, known: Default::default() })
    }

    /// The file key of a variable: its name without `MASKPORTAL_`, in lower case.
    fn file_key(var: &str) -> String {
        var.strip_prefix("MASKPORTAL_").unwrap_or(var).to_ascii_lowercase()
    }

    /// The raw text of a setting, from the environment or else the file (a list in the file
    /// reads as its items joined by commas, as the variable would write it).
    fn raw(&self, var: &'static str) -> Option<(String, Origin)> {
        let key = Self::file_key(var);
        self.known.borrow_mut().push(key.clone());
        if let Some(value) = self.variable_only(var) {
            return Some((value.trim().to_owned(), Origin::Variable(var)));
        }
        let text = match self.file.get(&key)? {
            toml::Value::String(text) => text.clone(),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        Some((text, Origin::File { path: self.path.clone(), key }))
    }

    /// A variable the file may not set (a secret's value belongs in a file of its own).
    fn variable_only(&self, var: &'static str) -> Option<String> {
        self.vars.get(var).filter(|v| !v.trim().is_empty()).cloned()
    }

    fn parse_with<T>(
        &self,
        var: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        match self.raw(var) {
            None => Ok(None),
            Some((raw, origin)) => {
                parse(&raw).map(Some).map_err(|message| ConfigError::Invalid { key: var, origin, message })
            }
        }
    }

    fn number<T: std::str::FromStr>(&self, var: &'static str) -> Result<Option<T>, ConfigError> {
        self.parse_with(var, |raw| raw.parse().map_err(|_| format!("`{raw}` is not a valid number")))
    }

    fn path(&self, var: &'static str) -> Option<PathBuf> {
        self.raw(var).map(|(raw, _)| PathBuf::from(raw))
    }

    fn refuse_unknown_keys(&self) -> Result<(), ConfigError> {
        let known = self.known.borrow();
        match self.file.keys().find(|key| !known.contains(key)) {
            Some(key) => Err(ConfigError::UnknownKey { path: self.path.clone(), key: key.clone() }),
            None => Ok(()),
        }
    }
}

impl Config {
    /// Loads from the process environment and `MASKPORTAL_CONFIG` (default `./maskportal.toml`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Loads from the given variables; separate from the process environment so tests can
    /// build a config without touching global state.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let layers = Layers::load(vars)?;
        let environment = layers
            .parse_with("MASKPORTAL_ENV", |raw| match raw {
                "development" => Ok(Environment::Development),
                "production" => Ok(Environment::Production),
                _ => Err("must be development or production".to_owned()),
            })?
            .unwrap_or(Environment::Development);
        let database_url: DatabaseUrl = layers
            .parse_with("DATABASE_URL", |raw| raw.parse().map_err(|e: DatabaseUrlError| e.to_string()))?
            .unwrap_or_else(|| DatabaseUrl::Sqlite(PathBuf::from("maskportal.db")));
        let role = layers.parse_with("MASKPORTAL_ROLE", str::parse)?.unwrap_or_default();
        let config = Self {
            environment,
            role,
            bind: layers
                .parse_with("MASKPORTAL_BIND", |raw| {
                    raw.parse().map_err(|_| format!("`{raw}` is not an address like 127.0.0.1:8080"))
                })?
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            clock_start: layers.parse_with("MASKPORTAL_CLOCK", |raw| {
                if environment == Environment::Production {
                    return Err("a shifted clock is refused in production".to_owned());
                }
                DateTime::parse_from_rfc3339(raw)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| format!("`{raw}` is not an RFC 3339 instant like 2020-03-11T09:00:00+09:00"))
            })?,
            secrets_dir: layers
                .path("MASKPORTAL_SECRETS_DIR")
                .unwrap_or_else(|| default_secrets_dir(&database_url)),
            jwt_secret: SecretSource {
                value: layers.variable_only("MASKPORTAL_JWT_SECRET"),
                file: layers.path("MASKPORTAL_JWT_SECRET_FILE"),
            },
            id_key: SecretSource {
                value: layers.variable_only("MASKPORTAL_ID_KEY"),
                file: layers.path("MASKPORTAL_ID_KEY_FILE"),
            },
            policy_file: layers.path("MASKPORTAL_POLICY"),
            db_pool_size: layers.number("MASKPORTAL_DB_POOL_SIZE")?.unwrap_or(match database_url.backend() {
                // SQLite has one writer at a time; a few connections serve the readers.
                crate::db::Backend::Sqlite => 8,
                crate::db::Backend::Postgres => 16,
            }),
            workers: layers
                .number("MASKPORTAL_WORKERS")?
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            sessions: session_settings(&layers)?,
            void_window: layers
                .parse_with("MASKPORTAL_VOID_WINDOW", str::parse)?
                .unwrap_or(VoidWindow::SameDay),
            backdate_window: BackdateWindow::hours(
                layers.number("MASKPORTAL_BACKDATE_HOURS")?.unwrap_or(DEFAULT_BACKDATE_HOURS),
            ),
            public: public_settings(&layers)?,
            clients: client_limits(&layers)?,
            metrics: metrics_settings(&layers)?,
            lookups_per_minute: layers
                .number("MASKPORTAL_LOOKUPS_PER_MINUTE")?
                .unwrap_or(DEFAULT_LOOKUPS_PER_MINUTE),
            database_url,
        };
        layers.refuse_unknown_keys()?;
        Ok(config)
    }
}

fn session_settings(layers: &Layers<'_>) -> Result<SessionSettings, ConfigError> {
    let defaults = SessionSettings::default();
    let minutes = |m: u64| Duration::from_secs(m * 60);
    Ok(SessionSettings {
        token_lifetime: layers
            .number("MASKPORTAL_SESSION_HOURS")?
            .map_or(defaults.token_lifetime, |h: u64| Duration::from_secs(h * 3600)),
        idle_timeout: layers.number("MASKPORTAL_IDLE_MINUTES")?.map_or(defaults.idle_timeout, minutes),
        max_failed_logins: layers
            .number("MASKPORTAL_MAX_FAILED_LOGINS")?
            .unwrap_or(defaults.max_failed_logins),
        max_failed_logins_per_ip: layers
            .number("MASKPORTAL_MAX_FAILED_LOGINS_PER_IP")?
            .unwrap_or(defaults.max_failed_logins_per_ip),
        lockout: layers.number("MASKPORTAL_LOCKOUT_MINUTES")?.map_or(defaults.lockout, minutes),
        hashing: HashingCost {
            memory_kib: layers.number("MASKPORTAL_ARGON2_MEMORY_KIB")?.unwrap_or(defaults.hashing.memory_kib),
            iterations: layers.number("MASKPORTAL_ARGON2_ITERATIONS")?.unwrap_or(defaults.hashing.iterations),
            parallelism: layers
                .number("MASKPORTAL_ARGON2_PARALLELISM")?
                .unwrap_or(defaults.hashing.parallelism),
        },
    })
}

fn public_settings(layers: &Layers<'_>) -> Result<PublicSettings, ConfigError> {
    Ok(PublicSettings {
        rate: Rate {
            per_second: layers.number("MASKPORTAL_PUBLIC_RPS")?.unwrap_or(DEFAULT_PUBLIC_RATE.per_second),
            burst: layers.number("MASKPORTAL_PUBLIC_BURST")?.unwrap_or(DEFAULT_PUBLIC_RATE.burst),
        },
        max_age: layers.number("MASKPORTAL_PUBLIC_MAX_AGE")?.unwrap_or(1),
        trusted_proxies: layers
            .parse_with("MASKPORTAL_TRUSTED_PROXIES", |list| {
                list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(parse_proxy).collect()
            })?
            .unwrap_or_default(),
        bind: layers.parse_with("MASKPORTAL_PUBLIC_BIND", |raw| {
            raw.parse().map_err(|_| format!("`{raw}` is not an address like 0.0.0.0:8081"))
        })?,
        workers: layers.number("MASKPORTAL_PUBLIC_WORKERS")?.unwrap_or(1),
        nice: layers
            .parse_with("MASKPORTAL_PUBLIC_NICE", |raw| match raw.parse() {
                Ok(n @ 0..=19) => Ok(n),
                _ => Err(format!("{raw} is not a niceness from 0 to 19")),
            })?
            .unwrap_or(10),
        board_poll: Duration::from_millis(layers.number("MASKPORTAL_BOARD_POLL_MS")?.unwrap_or(500)),
    })
}

fn client_limits(layers: &Layers<'_>) -> Result<ClientLimits, ConfigError> {
    let defaults = ClientLimits::default();
    let millis = |var| -> Result<Option<Duration>, ConfigError> {
        layers.parse_with(var, |raw| match raw.parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
            _ => Err(format!("`{raw}` is not a number of milliseconds above 0")),
        })
    };
    Ok(ClientLimits {
        head_timeout: millis("MASKPORTAL_HEAD_TIMEOUT_MS")?.unwrap_or(defaults.head_timeout),
        body_timeout: millis("MASKPORTAL_BODY_TIMEOUT_MS")?.unwrap_or(defaults.body_timeout),
        keep_alive: millis("MASKPORTAL_KEEP_ALIVE_MS")?.unwrap_or(defaults.keep_alive),
        max_connections_per_ip: layers
            .parse_with("MASKPORTAL_MAX_CONNECTIONS_PER_IP", |raw| match raw.parse::<u32>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("`{raw}` is not a number of connections above 0")),
            })?
            .unwrap_or(defaults.max_connections_per_ip),
    })
}

/// A metrics token shorter than this is refused: it guards the service's inner workings.
const MIN_METRICS_TOKEN_LEN: usize = 16;

fn metrics_settings(layers: &Layers<'_>) -> Result<MetricsSettings, ConfigError> {
    let token = layers.variable_only("MASKPORTAL_METRICS_TOKEN");
    if token.as_ref().is_some_and(|t| t.trim().len() < MIN_METRICS_TOKEN_LEN) {
        return Err(ConfigError::Invalid {
            key: "MASKPORTAL_METRICS_TOKEN",
            origin: Origin::Variable("MASKPORTAL_METRICS_TOKEN"),
            message: format!("the token must be at least {MIN_METRICS_TOKEN_LEN} characters"),
        });
    }
    Ok(MetricsSettings {
        bind: layers.parse_with("MASKPORTAL_METRICS_BIND", |raw| {
            raw.parse().map_err(|_| format!("`{raw}` is not an address like 127.0.0.1:9100"))
        })?,
        token: token.map(|t| t.trim().to_owned()),
    })
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

/// A trusted proxy: an address (`10.0.0.5`) or a network (`10.0.0.0/8`).
fn parse_proxy(raw: &str) -> Result<IpNet, String> {
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{raw}` is not an address or network"))
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
            ("MASKPORTAL_ROLE", "reader"),
        ] {
            match Config::from_vars(&vars(&[(key, value)])) {
                Err(ConfigError::Invalid { key: named, .. }) => assert_eq!(named, key),
                other => panic!("{key}={value}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_node_serves_everything_unless_given_a_role() {
        assert_eq!(Config::from_vars(&vars(&[])).unwrap().role, Role::All);
        for (raw, role) in [("all", Role::All), ("counter", Role::Counter), ("public", Role::Public)] {
            assert_eq!(Config::from_vars(&vars(&[("MASKPORTAL_ROLE", raw)])).unwrap().role, role);
        }
        assert!(
            !Role::Counter.serves_open_api() && Role::Public.serves_open_api() && Role::All.serves_open_api()
        );
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
    fn client_limits_and_metrics_access_default_to_safe_values_and_refuse_nonsense() {
        let config = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(config.clients, ClientLimits::default());
        assert_eq!(config.clients.body_timeout, Duration::from_secs(10));
        assert!(config.metrics.bind.is_none() && config.metrics.token.is_none(), "metrics open to no one");
        let config = Config::from_vars(&vars(&[
            ("MASKPORTAL_BODY_TIMEOUT_MS", "250"),
            ("MASKPORTAL_MAX_CONNECTIONS_PER_IP", "3"),
            ("MASKPORTAL_METRICS_BIND", "127.0.0.1:9100"),
            ("MASKPORTAL_METRICS_TOKEN", "0123456789abcdef"),
        ]))
        .unwrap();
        assert_eq!(config.clients.body_timeout, Duration::from_millis(250));
        assert_eq!(config.clients.max_connections_per_ip, 3);
        assert_eq!(config.metrics.bind.unwrap().to_string(), "127.0.0.1:9100");
        assert!(!format!("{config:?}").contains("0123456789abcdef"), "the token stays out of debug output");
        for (key, value) in [
            ("MASKPORTAL_BODY_TIMEOUT_MS", "0"),
            ("MASKPORTAL_KEEP_ALIVE_MS", "soon"),
            ("MASKPORTAL_HEAD_TIMEOUT_MS", "-1"),
            ("MASKPORTAL_MAX_CONNECTIONS_PER_IP", "0"),
            ("MASKPORTAL_METRICS_BIND", "nowhere"),
            ("MASKPORTAL_METRICS_TOKEN", "too short"),
        ] {
            match Config::from_vars(&vars(&[(key, value)])) {
                Err(ConfigError::Invalid { key: named, .. }) => assert_eq!(named, key),
                other => panic!("{key}={value}: {other:?}"),
            }
        }
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

    #[test]
    fn a_bad_value_says_whether_the_file_or_a_variable_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, "idle_minutes = \"soon\"\ntrusted_proxies = [\"10.0.0.0/8\", \"nowhere\"]\n")
            .unwrap();
        let config = path.to_string_lossy().to_string();
        let error = Config::from_vars(&vars(&[("MASKPORTAL_CONFIG", &config)])).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("`idle_minutes` in {}: `soon` is not a valid number", path.display())
        );
        let error =
            Config::from_vars(&vars(&[("MASKPORTAL_CONFIG", &config), ("MASKPORTAL_IDLE_MINUTES", "5")]))
                .unwrap_err();
        assert!(error.to_string().starts_with("`trusted_proxies` in "), "{error}");
        let error = Config::from_vars(&vars(&[("MASKPORTAL_IDLE_MINUTES", "soon")])).unwrap_err();
        assert_eq!(error.to_string(), "MASKPORTAL_IDLE_MINUTES (environment): `soon` is not a valid number");
    }

    #[test]
    fn a_typo_in_the_file_is_refused_and_a_list_reads_like_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        let config = path.to_string_lossy().to_string();
        std::fs::write(&path, "trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\npublic_rsp = 5\n").unwrap();
        let error = Config::from_vars(&vars(&[("MASKPORTAL_CONFIG", &config)])).unwrap_err();
        assert!(matches!(&error, ConfigError::UnknownKey { key, .. } if key == "public_rsp"), "{error}");
        std::fs::write(
            &path,
            "trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\njwt_secret_file = \"/run/k\"\n",
        )
        .unwrap();
        let loaded = Config::from_vars(&vars(&[("MASKPORTAL_CONFIG", &config)])).unwrap();
        assert_eq!(loaded.public.trusted_proxies.len(), 2);
        assert_eq!(loaded.jwt_secret.file, Some(PathBuf::from("/run/k")));
        std::fs::write(&path, "jwt_secret = \"a secret's value never sits in the settings file\"\n").unwrap();
        let refused = Config::from_vars(&vars(&[("MASKPORTAL_CONFIG", &config)]));
        assert!(matches!(refused, Err(ConfigError::UnknownKey { .. })));
    }
}
