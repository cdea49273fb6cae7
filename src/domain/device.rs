//! The terminal a clerk signs in from: a stable id it keeps, and a label shown to others.

use std::fmt;

/// A terminal's stable identifier (the counter page generates a UUID once and keeps it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("device_id must be 1 to 128 visible ASCII characters")]
pub struct DeviceIdError;

impl DeviceId {
    pub fn parse(raw: &str) -> Result<Self, DeviceIdError> {
        if (1..=128).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DeviceIdError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A human label for a terminal ("카운터 1"), shown to other clerks of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("device_name must be 1 to 64 characters without control characters")]
pub struct DeviceNameError;

impl DeviceName {
    pub fn parse(raw: &str) -> Result<Self, DeviceNameError> {
        let name = raw.trim();
        let chars = name.chars().count();
        if (1..=64).contains(&chars) && !name.chars().any(char::is_control) {
            Ok(Self(name.to_owned()))
        } else {
            Err(DeviceNameError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_are_short_visible_ascii() {
        assert!(DeviceId::parse("3f2b6c1e-0c1d-4d8e-9a51-5f7f0b0c2d11").is_ok());
        for bad in ["", "has space", "탭", &"x".repeat(129), "a\nb"] {
            assert_eq!(DeviceId::parse(bad), Err(DeviceIdError), "{bad:?}");
        }
    }

    #[test]
    fn device_names_are_trimmed_labels() {
        assert_eq!(DeviceName::parse(" 카운터 1 ").unwrap().as_str(), "카운터 1");
        assert_eq!(DeviceName::parse("  "), Err(DeviceNameError));
        assert_eq!(DeviceName::parse(&"가".repeat(65)), Err(DeviceNameError));
        assert_eq!(DeviceName::parse("a\u{7}"), Err(DeviceNameError));
    }
}
