//! Keeping secrets and personal data private: [`Sensitive`], a value that must never reach a
//! log line, a panic message or any other `Debug` output (passwords, signing keys, connection
//! strings, personal data); and files and folders that only the service's user may read (the
//! database, generated secrets, mail written to disk).

use std::fmt;
use std::path::Path;

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

/// Creates `dir` (and its parents) if it is missing; a folder created here is readable by the
/// service's user only. An existing folder is left as its owner set it.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Makes an existing file readable and writable by the service's user only.
pub fn make_private(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(())
    }
}

/// Creates `file` empty with owner-only permissions if it does not exist yet, so whatever is
/// written into it later is never readable by others, not even for a moment.
pub fn create_private_file(file: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Implements `Debug` for a record of personal or clinical data, showing only the named fields
/// (ids, codes, dates): a log line or a failed assertion never carries names, notes or addresses.
macro_rules! debug_only {
    ($name:ident: $($field:ident),* $(,)?) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use debug_only;

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

    #[cfg(unix)]
    #[test]
    fn private_files_and_folders_are_the_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data/mail");
        create_private_dir(&dir).unwrap();
        let file = dir.join("myochart.db");
        create_private_file(&file).unwrap();
        create_private_file(&file).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&dir), mode(&root.path().join("data")), mode(&file)), (0o700, 0o700, 0o600));
    }
}
