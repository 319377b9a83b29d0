//! The binary itself: help text, create-admin, and clear one-sentence start-up failures.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{Backend, PASSWORD, TestDb};
use crate::on_both_backends;

fn myochart(db_url: &str, data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_myochart"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MYOCHART_DATABASE_URL", db_url)
        .env("MYOCHART_DATA_DIR", data_dir)
        .env("MYOCHART_LOG", "warn")
        .current_dir(data_dir);
    command
}

async fn create_admin_from_the_shell(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let mut child = myochart(&db.url, dir.path())
        .args(["create-admin", "--email", "Owner@Example.com", "--name", "Olive Owner", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("owner@example.com"));

    let pool = myochart::db::Db::connect(&db.url.parse().unwrap(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    let user = myochart::auth::users::find_by_email(&mut conn, "owner@example.com").unwrap().unwrap();
    assert!(user.is_admin && user.is_therapist && user.is_active);
    assert!(myochart::auth::password::verify(PASSWORD, &user.password_hash));

    let weak = myochart(&db.url, dir.path())
        .args(["create-admin", "--email", "two@example.com", "--name", "Two", "--password-stdin"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut weak = weak;
    writeln!(weak.stdin.take().unwrap(), "password1234").unwrap();
    let output = weak.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("too easy to guess"));
}

async fn migrate_applies_and_reports(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let output = myochart(&db.url, dir.path()).arg("migrate").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("up to date"));
}

on_both_backends!(create_admin_from_the_shell, migrate_applies_and_reports);

#[test]
fn help_explains_each_command() {
    let output = Command::new(env!("CARGO_BIN_EXE_myochart")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for word in ["serve", "migrate", "create-admin", "--config"] {
        assert!(help.contains(word), "help lacks {word}: {help}");
    }
}

#[test]
fn bad_settings_stop_start_up_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("MYOCHART_SESSION_IDLE_MINUTES", "soon", "session_idle_minutes"),
        ("MYOCHART_BIND", "nowhere", "bind"),
        ("MYOCHART_DATABASE_URL", "mysql://localhost/x", "database_url"),
        ("MYOCHART_DATABASE_URL", "postgres://nobody@127.0.0.1:9/none", "database_url"),
    ];
    for (variable, value, setting) in cases {
        let output =
            myochart("sqlite://db.sqlite", dir.path()).env(variable, value).arg("serve").output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{variable}={value} started");
        assert!(stderr.contains(setting), "{variable}={value}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
    }
}

/// Starts the real binary, makes a request whose query holds a name, stops it with SIGTERM.
#[test]
fn serve_logs_no_query_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = myochart("sqlite://data/myochart.db", dir.path())
        .env("MYOCHART_BIND", format!("127.0.0.1:{port}"))
        .env("MYOCHART_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("First run") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "server exited before it was ready");
    }
    assert!(line.contains(&format!("http://127.0.0.1:{port}/setup")), "{line}");

    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET /admin/users?q=Winifred HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 303"), "{response}");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "no shutdown after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let mut log = String::new();
    stdout.read_to_string(&mut log).unwrap();
    assert!(log.contains("route=/admin/users") && log.contains("status=303"), "{log}");
    assert!(!log.contains("Winifred"), "the query reached the log: {log}");
    assert!(log.contains("graceful shutdown"), "{log}");
    assert!(dir.path().join("jwt_secret").exists(), "secret generated in data_dir");
    assert!(dir.path().join("data/myochart.db").exists(), "SQLite folder created");
}
