//! The key a terminal sends with every write, so a retried request is recognised.

use std::fmt;

/// A client-generated UUID, unique per site; a retry with the same key replays the first
/// answer instead of acting twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(uuid::Uuid);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("client_key must be a UUID such as 3f2b6c1e-0c1d-4d8e-9a51-5f7f0b0c2d11")]
pub struct ClientKeyError;

impl ClientKey {
    pub fn parse(raw: &str) -> Result<Self, ClientKeyError> {
        // Only the hyphenated form, so one key has one spelling.
        if raw.len() != 36 {
            return Err(ClientKeyError);
        }
        uuid::Uuid::parse_str(raw).map(Self).map_err(|_| ClientKeyError)
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyphenated_uuids_are_keys_and_they_print_lowercase() {
        let key = ClientKey::parse("3F2B6C1E-0C1D-4D8E-9A51-5F7F0B0C2D11").unwrap();
        assert_eq!(key.to_string(), "3f2b6c1e-0c1d-4d8e-9a51-5f7f0b0c2d11");
        for bad in ["", "abc", "3f2b6c1e0c1d4d8e9a515f7f0b0c2d11", "{3f2b6c1e-0c1d-4d8e-9a51-5f7f0b0c2d11}"] {
            assert_eq!(ClientKey::parse(bad), Err(ClientKeyError), "{bad:?}");
        }
    }
}
