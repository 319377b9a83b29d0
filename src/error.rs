//! One error type for the whole application. It knows nothing of HTTP: `web::errors` decides
//! the status and the page a user sees, which are separate from what is logged (only
//! server-side failures log their cause).

use std::collections::BTreeMap;

/// Messages for a form, keyed by field name.
pub type FieldErrors = BTreeMap<&'static str, String>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Not signed in; the page to come back to after signing in, if any.
    #[error("not signed in")]
    Unauthorized(Option<String>),
    #[error("forbidden")]
    Forbidden,
    #[error("cross-site request refused")]
    CrossSite,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request for another host")]
    MisdirectedHost,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A validation error for a single field.
    pub fn field(name: &'static str, message: impl Into<String>) -> AppError {
        AppError::Validation(BTreeMap::from([(name, message.into())]))
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> AppError {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => AppError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::Conflict("That record already exists.".into())
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                AppError::Unavailable(info.message().to_owned())
            }
            Error::BrokenTransactionManager => AppError::Unavailable("broken transaction".into()),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(err: diesel::r2d2::PoolError) -> AppError {
        AppError::Unavailable(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    struct Info(&'static str);
    impl diesel::result::DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    /// A database error of `kind` whose message must never reach a user.
    pub fn db_error(kind: DatabaseErrorKind) -> AppError {
        Error::DatabaseError(kind, Box::new(Info("secret internal detail"))).into()
    }

    #[test]
    fn diesel_errors_map_to_user_meaningful_kinds() {
        assert!(matches!(AppError::from(Error::NotFound), AppError::NotFound));
        assert!(matches!(db_error(DatabaseErrorKind::UniqueViolation), AppError::Conflict(_)));
        assert!(matches!(db_error(DatabaseErrorKind::ClosedConnection), AppError::Unavailable(_)));
        assert!(matches!(db_error(DatabaseErrorKind::CheckViolation), AppError::Internal(_)));
    }
}
