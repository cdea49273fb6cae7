//! Who may sign in: usernames, roles and passwords as parsed values.

use std::fmt;
use std::str::FromStr;

/// A clerk works for one site; an admin (the operator) for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Clerk,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role must be clerk or admin")]
pub struct RoleError;

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = RoleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "clerk" => Ok(Role::Clerk),
            "admin" => Ok(Role::Admin),
            _ => Err(RoleError),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sign-in name: 3–64 of `a-z 0-9 . _ -`, stored lower-case so `Kim` and `kim` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("username must be 3 to 64 characters of a-z, 0-9, '.', '_' or '-'")]
pub struct UsernameError;

impl Username {
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        let name = raw.trim().to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        if (3..=64).contains(&name.len()) && name.chars().all(allowed) {
            Ok(Self(name))
        } else {
            Err(UsernameError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A clear-text password on its way to the hasher; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least {min} characters")]
    TooShort { min: usize },
    #[error("password must be at most {max} characters")]
    TooLong { max: usize },
}

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Bounds the hashing work an attacker can ask for.
    pub const MAX_CHARS: usize = 256;

    /// A password for a new account: long enough to resist guessing.
    pub fn new_secret(raw: String) -> Result<Self, PasswordError> {
        match raw.chars().count() {
            n if n < Self::MIN_CHARS => Err(PasswordError::TooShort { min: Self::MIN_CHARS }),
            n if n > Self::MAX_CHARS => Err(PasswordError::TooLong { max: Self::MAX_CHARS }),
            _ => Ok(Self(raw)),
        }
    }

    /// A password offered at sign-in: only the upper bound applies.
    pub fn attempt(raw: String) -> Result<Self, PasswordError> {
        if raw.chars().count() > Self::MAX_CHARS {
            Err(PasswordError::TooLong { max: Self::MAX_CHARS })
        } else {
            Ok(Self(raw))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_limited_to_a_safe_alphabet() {
        assert_eq!(Username::parse(" Demo.Pharmacy ").unwrap().as_str(), "demo.pharmacy");
        for bad in ["ab", "a b c", "kim@site", "약사", &"a".repeat(65), ""] {
            assert_eq!(Username::parse(bad), Err(UsernameError), "{bad:?}");
        }
    }

    #[test]
    fn new_passwords_need_ten_characters_and_sign_in_attempts_only_a_ceiling() {
        assert!(Password::new_secret("correct horse".into()).is_ok());
        assert_eq!(Password::new_secret("short".into()), Err(PasswordError::TooShort { min: 10 }));
        assert!(Password::attempt("short".into()).is_ok());
        assert_eq!(Password::attempt("x".repeat(257)), Err(PasswordError::TooLong { max: 256 }));
    }

    #[test]
    fn passwords_never_print() {
        let shown = format!("{:?}", Password::new_secret("hunter2hunter2".into()).unwrap());
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Clerk, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("root".parse::<Role>(), Err(RoleError));
    }
}
