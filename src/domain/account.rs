//! Who may sign in: usernames, roles and passwords as parsed values.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

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

/// Failed sign-ins counted against one account, unknown name or address, within a window that
/// opens at the first of them. Known accounts and unknown names follow this one rule, so how
/// a name locks over time never tells whether it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedSignIns {
    pub count: u32,
    /// When the first failure of the window was.
    pub since: DateTime<Utc>,
}

/// What one more failed sign-in leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Counted, below the maximum.
    Counted(FailedSignIns),
    /// The maximum was reached: locked until then, and counting starts afresh.
    Locked { until: DateTime<Utc> },
}

impl FailedSignIns {
    /// One more failure at `now` after `previous` (`None`: nothing counted): failures whose
    /// window has passed are forgotten, and the `max`-th within a window locks for `window`.
    pub fn after(previous: Option<Self>, now: DateTime<Utc>, window: Duration, max: u32) -> AfterFailure {
        let current = previous.filter(|p| now - p.since < window).unwrap_or(Self { count: 0, since: now });
        let count = current.count.saturating_add(1);
        if count >= max {
            AfterFailure::Locked { until: now + window }
        } else {
            AfterFailure::Counted(Self { count, since: current.since })
        }
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

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_583_884_800, 0).unwrap() + Duration::minutes(minutes)
    }

    fn fail(previous: Option<FailedSignIns>, minute: i64) -> AfterFailure {
        FailedSignIns::after(previous, at(minute), Duration::minutes(15), 5)
    }

    fn counted(after: AfterFailure) -> FailedSignIns {
        match after {
            AfterFailure::Counted(failures) => failures,
            AfterFailure::Locked { until } => panic!("locked until {until}"),
        }
    }

    #[test]
    fn the_fifth_failure_within_the_window_locks_for_the_window() {
        let mut failures = None;
        for minute in 0..4 {
            failures = Some(counted(fail(failures, minute)));
        }
        assert_eq!(failures, Some(FailedSignIns { count: 4, since: at(0) }));
        assert_eq!(fail(failures, 14), AfterFailure::Locked { until: at(29) });
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten() {
        let four = FailedSignIns { count: 4, since: at(0) };
        assert_eq!(fail(Some(four), 15), AfterFailure::Counted(FailedSignIns { count: 1, since: at(15) }));
    }
}
