//! [`Sensitive`]: a value that must never reach a log line, a panic message or any other
//! `Debug` output: secrets (passwords, signing keys, connection strings) and personal data.

use std::fmt;

/// Wraps a secret or a piece of personal data. `Debug` prints `[redacted]`; the value itself is
/// reached on purpose, with [`Sensitive::expose`] (or `.0`), where it is really needed.
#[derive(Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(pub T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Sensitive<T> {
        Sensitive(value)
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Sensitive<T> {
        Sensitive(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_value() {
        #[derive(Debug)]
        #[expect(dead_code, reason = "read only through Debug")]
        struct Login {
            email: String,
            password: Sensitive<String>,
        }
        let login = Login { email: "a@example.com".into(), password: "hunter2-hunter2".to_owned().into() };
        let shown = format!("{login:?} {:#?}", login.password);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(login.password.expose(), "hunter2-hunter2");
    }
}
