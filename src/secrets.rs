//! The JWT signing key and the resident-ID hashing key: from the environment or files, never
//! from the database, and in development generated once into 0600 files.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;

use crate::config::{Config, Environment, SecretSource};
use crate::domain::resident_id::IdKey;

/// File names of generated development secrets, inside `Config::secrets_dir`.
const JWT_FILE: &str = "maskportal-jwt.key";
const ID_KEY_FILE: &str = "maskportal-id.key";

/// Enough entropy for HMAC-SHA256 keys.
const MIN_SECRET_BYTES: usize = 32;

/// The key that signs session tokens (HS256).
#[derive(Clone)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// As [`IdKey::check_value`], for the signing key.
    pub fn check_value(&self) -> String {
        use hmac::Mac;
        // HMAC accepts keys of any length.
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(b"maskportal key check: session token key");
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtSecret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Secrets {
    pub jwt: JwtSecret,
    pub id_key: IdKey,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("{name} is required in production: set {env} or {env}_FILE")]
    MissingInProduction { name: &'static str, env: &'static str },
    #[error("{name} must be at least {MIN_SECRET_BYTES} bytes")]
    TooShort { name: &'static str },
    #[error("{path} is readable by other users; run `chmod 600 {path}`")]
    LoosePermissions { path: String },
    #[error("cannot use secret file {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

impl Secrets {
    pub fn load(config: &Config) -> Result<Self, SecretsError> {
        let load = |name, env, source: &SecretSource, file_name| {
            resolve(name, env, source, config.environment, &config.secrets_dir.join(file_name))
        };
        Ok(Self {
            jwt: JwtSecret(load("JWT secret", "MASKPORTAL_JWT_SECRET", &config.jwt_secret, JWT_FILE)?),
            id_key: IdKey::from_bytes(load("ID key", "MASKPORTAL_ID_KEY", &config.id_key, ID_KEY_FILE)?)
                .map_err(|_| SecretsError::TooShort { name: "ID key" })?,
        })
    }
}

fn resolve(
    name: &'static str,
    env: &'static str,
    source: &SecretSource,
    environment: Environment,
    generated: &Path,
) -> Result<Vec<u8>, SecretsError> {
    let secret = match (&source.value, &source.file, environment) {
        (Some(value), _, _) => value.trim().as_bytes().to_vec(),
        (None, Some(file), _) => read_secret_file(file)?,
        (None, None, Environment::Production) => return Err(SecretsError::MissingInProduction { name, env }),
        (None, None, Environment::Development) => read_or_generate(generated)?,
    };
    if secret.len() < MIN_SECRET_BYTES {
        return Err(SecretsError::TooShort { name });
    }
    Ok(secret)
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SecretsError + '_ {
    move |source| SecretsError::Io { path: path.display().to_string(), source }
}

fn read_secret_file(path: &Path) -> Result<Vec<u8>, SecretsError> {
    let mode = fs::metadata(path).map_err(io_error(path))?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(SecretsError::LoosePermissions { path: path.display().to_string() });
    }
    let text = fs::read_to_string(path).map_err(io_error(path))?;
    Ok(text.trim().as_bytes().to_vec())
}

/// Creates the file with mode 0600 from the start (no window where it is world-readable);
/// if another process won the race, its key is used.
fn read_or_generate(path: &Path) -> Result<Vec<u8>, SecretsError> {
    if path.exists() {
        return read_secret_file(path);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    match fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut file) => {
            file.write_all(secret.as_bytes()).and_then(|()| file.sync_all()).map_err(io_error(path))?;
            tracing::info!(path = %path.display(), "generated a development secret");
            Ok(secret.into_bytes())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_secret_file(path),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Where development secrets for a config would be generated (shown by `demo`).
pub fn generated_paths(config: &Config) -> [PathBuf; 2] {
    [JWT_FILE, ID_KEY_FILE].map(|name| config.secrets_dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(value: Option<&str>, file: Option<PathBuf>) -> SecretSource {
        SecretSource { value: value.map(str::to_owned), file }
    }

    #[test]
    fn development_generates_a_0600_file_once_and_reuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let first = resolve("k", "K", &source(None, None), Environment::Development, &path).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let second = resolve("k", "K", &source(None, None), Environment::Development, &path).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
    }

    #[test]
    fn production_refuses_to_start_without_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let result = resolve("k", "K", &source(None, None), Environment::Production, &dir.path().join("k"));
        assert!(matches!(result, Err(SecretsError::MissingInProduction { .. })));
        assert!(!dir.path().join("k").exists());
    }

    #[test]
    fn short_secrets_and_world_readable_files_are_refused() {
        let short = resolve("k", "K", &source(Some("tiny"), None), Environment::Production, Path::new("/x"));
        assert!(matches!(short, Err(SecretsError::TooShort { .. })));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("open.key");
        fs::write(&path, "x".repeat(40)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let loose = resolve("k", "K", &source(None, Some(path.clone())), Environment::Production, &path);
        assert!(matches!(loose, Err(SecretsError::LoosePermissions { .. })));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let ok = resolve("k", "K", &source(None, Some(path.clone())), Environment::Production, &path);
        assert_eq!(ok.unwrap(), "x".repeat(40).into_bytes());
    }
}
