//! Test harness: every test gets its own database (a temp SQLite file, or a fresh PostgreSQL
//! database dropped afterwards) and its own server on a loopback port, driven over real HTTP.

pub mod client;
pub mod clinical;
pub mod db;
pub mod records;
pub mod smtp;

use std::net::TcpListener;
use std::sync::OnceLock;

use actix_web::web;
use myochart::auth::users::{self, NewAccount, User};
use myochart::config::{Config, MailTransport, SmtpSecurity};
use myochart::db::DbConn;
use myochart::error::AppError;
use myochart::jobs::Jobs;
use myochart::{AppState, auth};

pub use client::{Client, Page};
pub use db::{Backend, TestDb};

/// The token-signing secret of every test app.
pub const SECRET: &[u8] = b"test secret test secret test secret!";

/// The password every fixture account has.
pub const PASSWORD: &str = "quiet-maple-lantern-47";

/// Runs each named `async fn(Backend)` once on SQLite and once on PostgreSQL. Without
/// MYOCHART_TEST_POSTGRES_URL at build time the PostgreSQL copies are reported as ignored.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                #[cfg_attr(not(myochart_pg_tests), ignore = "set MYOCHART_TEST_POSTGRES_URL to run on PostgreSQL")]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}

fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| auth::password::hash(PASSWORD).unwrap()).clone()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Therapist,
    AdminTherapist,
}

/// A running application with its own database.
pub struct TestApp {
    pub base: String,
    pub state: web::Data<AppState>,
    /// The background jobs (reminders, then delivery); tests run rounds with their own clock.
    pub jobs: Jobs,
    /// Kept alive for the test: dropping it removes the database.
    _db: TestDb,
    /// Where the folder transport writes mail in this test.
    pub mail_dir: tempfile::TempDir,
    server: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// A fresh, not yet set-up installation.
    pub async fn empty(backend: Backend) -> TestApp {
        TestApp::with_config(backend, |_| {}).await
    }

    /// An installation whose first account is admin@example.com (admin and therapist).
    pub async fn new(backend: Backend) -> TestApp {
        let app = TestApp::empty(backend).await;
        app.create_user("admin@example.com", Role::AdminTherapist);
        app
    }

    /// A fresh installation with settings adjusted by `adjust`.
    pub async fn with_config(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::build(backend, adjust, None).await
    }

    /// An installation (admin@example.com as admin and therapist) whose clock says `now_utc`
    /// until the test moves it with `app.state.clock.advance(..)`.
    pub async fn at(
        backend: Backend,
        now_utc: chrono::NaiveDateTime,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let app = TestApp::build(backend, adjust, Some(now_utc)).await;
        app.create_user("admin@example.com", Role::AdminTherapist);
        app
    }

    async fn build(
        backend: Backend,
        adjust: impl FnOnce(&mut Config),
        manual_now: Option<chrono::NaiveDateTime>,
    ) -> TestApp {
        let test_db = TestDb::new(backend);
        let mail_dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut config = Config::defaults().unwrap();
        config.bind = listener.local_addr().unwrap();
        config.database_url = test_db.url.parse().unwrap();
        config.database_pool_size = 4;
        config.workers = 1;
        config.log = "warn".into();
        config.mail_folder = mail_dir.path().to_owned();
        config.practice_name = "Test Practice".into();
        adjust(&mut config);
        let config = config.validated().unwrap();
        let db = myochart::open_database(&config.database_url, config.database_pool_size).unwrap();
        let tz = config.timezone;
        let mut state = AppState::new(config, db, SECRET).unwrap();
        if let Some(now) = manual_now {
            state = state.with_clock(myochart::time::Clock::manual(tz, now));
        }
        let state = web::Data::new(state);
        let jobs = Jobs::new(&state).unwrap();
        let server = myochart::server(state.clone(), listener).unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            state,
            jobs,
            _db: test_db,
            mail_dir,
            server: handle,
        }
    }

    /// An installation (admin@example.com as admin and therapist) that sends mail over SMTP to
    /// 127.0.0.1:`port` without TLS, giving up on a silent server after two seconds.
    pub async fn with_smtp(backend: Backend, port: u16) -> TestApp {
        let app = TestApp::with_config(backend, |c| {
            c.mail_transport = MailTransport::Smtp;
            c.smtp_host = "127.0.0.1".into();
            c.smtp_port = port;
            c.smtp_security = SmtpSecurity::None;
            c.smtp_timeout_secs = 2;
            c.mail_from = "Test Practice <office@practice.test>".parse().unwrap();
        })
        .await;
        app.create_user("admin@example.com", Role::AdminTherapist);
        app
    }

    /// The set-up link the server prints on first start.
    pub fn setup_link(&self) -> String {
        format!("/setup?token={}", self.state.setup_token)
    }

    /// A client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Runs `f` on a database connection, synchronously.
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> T {
        let mut conn = self.state.db.get().unwrap();
        f(&mut conn).unwrap()
    }

    /// Inserts an account directly (password [`PASSWORD`]).
    pub fn create_user(&self, email: &str, role: Role) -> User {
        let (is_admin, is_therapist) = match role {
            Role::Admin => (true, false),
            Role::Therapist => (false, true),
            Role::AdminTherapist => (true, true),
        };
        let name = email.split('@').next().unwrap().to_owned();
        let account = NewAccount {
            email,
            display_name: &name,
            password_hash: password_hash(),
            is_admin,
            is_therapist,
            must_change_password: false,
        };
        let user = User::new(account, chrono::Utc::now().naive_utc());
        self.with_conn(|conn| users::insert(conn, &user))
    }

    pub fn user(&self, email: &str) -> User {
        self.with_conn(|conn| users::find_by_email(conn, email)).expect("user exists")
    }

    /// A client signed in as `email` with [`PASSWORD`].
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = self.client();
        client.sign_in(email, PASSWORD).await;
        client
    }

    /// Audit actions recorded so far, oldest first.
    pub fn audit_actions(&self) -> Vec<String> {
        use diesel::prelude::*;
        use myochart::db::schema::audit_log;
        self.with_conn(|conn| {
            Ok(audit_log::table.select(audit_log::action).order(audit_log::id.asc()).load(conn)?)
        })
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the PostgreSQL database is dropped with FORCE afterwards anyway.
        drop(self.server.stop(false));
    }
}
