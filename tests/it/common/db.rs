//! One database per test.

use diesel::{Connection, RunQueryDsl, pg::PgConnection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test: a SQLite file in a temp folder, or a PostgreSQL
/// database created on the server named by MYOCHART_TEST_POSTGRES_URL and dropped on drop.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb { url, _dir: Some(dir), postgres: None }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("MYOCHART_TEST_POSTGRES_URL")
                    .expect("MYOCHART_TEST_POSTGRES_URL must be set for PostgreSQL tests");
                let name = format!("myochart_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at MYOCHART_TEST_POSTGRES_URL: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
                let mut url = url::Url::parse(&admin_url).unwrap();
                url.set_path(&name);
                TestDb { url: url.to_string(), _dir: None, postgres: Some((admin_url, name)) }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}
