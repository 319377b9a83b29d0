//! Typed settings: `config/default.toml` (compiled in, so the binary runs from any folder), then
//! an optional local file, then `MYOCHART_*` environment variables. Every value is parsed into
//! its type once, at start; a bad one stops start-up with one sentence naming the setting.
//! Passed around inside `AppState`, never a global.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer};
use url::Url;

use crate::sensitive::Sensitive;

const DEFAULTS: &str = include_str!("../config/default.toml");

/// The largest practice logo sent inside every email.
const MAX_LOGO_BYTES: u64 = 256 * 1024;

/// Every setting, after defaults and overrides are applied. See `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    #[serde(deserialize_with = "parsed")]
    pub bind: SocketAddr,
    /// Filled from `bind` by [`Config::validated`] when left empty.
    #[serde(deserialize_with = "optional")]
    pub public_url: Option<Url>,
    #[serde(deserialize_with = "parsed")]
    pub database_url: DatabaseUrl,
    pub database_pool_size: u32,
    pub data_dir: PathBuf,
    pub jwt_secret: Sensitive<String>,
    pub session_idle_minutes: u32,
    pub session_max_hours: u32,
    pub max_form_bytes: usize,
    pub throttle_account_attempts: u32,
    pub throttle_account_refill_secs: u64,
    pub throttle_ip_attempts: u32,
    pub throttle_ip_refill_secs: u64,
    #[serde(deserialize_with = "parsed")]
    pub timezone: chrono_tz::Tz,
    pub reminder_days_before: u32,
    pub practice_name: String,
    pub practice_footer: String,
    #[serde(deserialize_with = "optional")]
    pub practice_logo: Option<PathBuf>,
    pub mail_transport: MailTransport,
    pub mail_folder: PathBuf,
    #[serde(deserialize_with = "parsed")]
    pub mail_from: lettre::message::Mailbox,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: String,
    pub smtp_password: Sensitive<String>,
    pub smtp_timeout_secs: u64,
    pub mail_poll_secs: u64,
    pub mail_max_attempts: u32,
    pub trust_proxy_headers: bool,
    pub log: String,
    pub workers: usize,
    pub shutdown_timeout_secs: u64,
}

/// Where email goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// `.eml` files in `mail_folder`: works offline.
    Folder,
    Smtp,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required.
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: a relay on the same machine or network only.
    None,
}

/// Which backend the database URL selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// The whole URL; it may carry a password.
    Postgres(Sensitive<String>),
    Sqlite(PathBuf),
}

impl FromStr for DatabaseUrl {
    type Err = String;

    /// Reads the scheme ourselves: diesel would try each backend in turn, and SQLite accepts any
    /// string as a file name, hiding the real error.
    fn from_str(url: &str) -> Result<DatabaseUrl, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(Sensitive(url.to_owned())));
        }
        let path =
            url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).ok_or_else(|| {
                format!("database_url must start with sqlite:// or postgres:// (got {:?})", redact_url(url))
            })?;
        if path.is_empty() || path == ":memory:" {
            return Err("database_url must name a SQLite file, e.g. sqlite://data/myochart.db".into());
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }
}

impl DatabaseUrl {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }

    /// The URL with any password hidden, for messages and logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Postgres(url) => redact_url(url.expose()),
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }
}

/// Hides a password in a connection URL so it can appear in an error message or a log line.
fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// A setting parsed from its text form; the loader adds "for key `<setting>`" to the message.
fn parsed<'de, D: Deserializer<'de>, T: FromStr>(deserializer: D) -> Result<T, D::Error>
where
    T::Err: std::fmt::Display,
{
    let text = String::deserialize(deserializer)?;
    text.trim().parse().map_err(|e| serde::de::Error::custom(format!("{e} (got {text:?})")))
}

/// Like [`parsed`], with an empty value meaning "not set".
fn optional<'de, D: Deserializer<'de>, T: FromStr>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T::Err: std::fmt::Display,
{
    let text = String::deserialize(deserializer)?;
    match text.trim() {
        "" => Ok(None),
        value => value.parse().map(Some).map_err(|e| serde::de::Error::custom(format!("{e} (got {text:?})"))),
    }
}

impl Config {
    /// Loads settings from the defaults, `local` (if it exists) and the environment.
    /// The error is one sentence naming the setting at fault.
    pub fn load(local: &Path) -> Result<Config, String> {
        let raw = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .add_source(config::File::from(local).format(config::FileFormat::Toml).required(false))
            .add_source(config::Environment::with_prefix("MYOCHART").try_parsing(true))
            .build()
            .map_err(|e| format!("cannot read the configuration: {e}"))?;
        let config: Config = raw.try_deserialize().map_err(|e| format!("invalid configuration: {e}"))?;
        config.validated()
    }

    /// The built-in defaults alone (tests start from these).
    pub fn defaults() -> Result<Config, String> {
        config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|e| format!("the built-in defaults do not load: {e}"))
    }

    /// Checks what the types alone cannot (ranges, settings that depend on each other, files),
    /// and derives `public_url` from `bind` when it is not set.
    pub fn validated(mut self) -> Result<Config, String> {
        let public = self.public_url.take().map_or_else(|| Url::parse(&format!("http://{}", self.bind)), Ok);
        match public {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                self.public_url = Some(url);
            }
            _ => {
                return Err(
                    "public_url must be an absolute http(s) URL such as https://practice.example".into()
                );
            }
        }
        let at_least_one = [
            ("database_pool_size", u64::from(self.database_pool_size)),
            ("session_idle_minutes", u64::from(self.session_idle_minutes)),
            ("session_max_hours", u64::from(self.session_max_hours)),
            ("throttle_account_attempts", u64::from(self.throttle_account_attempts)),
            ("throttle_ip_attempts", u64::from(self.throttle_ip_attempts)),
            ("throttle_account_refill_secs", self.throttle_account_refill_secs),
            ("throttle_ip_refill_secs", self.throttle_ip_refill_secs),
            ("mail_poll_secs", self.mail_poll_secs),
            ("smtp_timeout_secs", self.smtp_timeout_secs),
            ("mail_max_attempts", u64::from(self.mail_max_attempts)),
        ];
        if let Some((setting, _)) = at_least_one.iter().find(|(_, value)| *value == 0) {
            return Err(format!("{setting} must be at least 1"));
        }
        let secret = self.jwt_secret.expose();
        if !secret.is_empty() && secret.len() < 32 {
            return Err("jwt_secret must be at least 32 characters (or empty to generate one)".into());
        }
        if u64::from(self.session_idle_minutes) > u64::from(self.session_max_hours) * 60 {
            return Err("session_idle_minutes cannot be longer than session_max_hours".into());
        }
        if self.max_form_bytes < 4096 {
            return Err("max_form_bytes must be at least 4096".into());
        }
        if let Some(logo) = &self.practice_logo {
            let size = std::fs::metadata(logo)
                .map_err(|e| format!("practice_logo {} cannot be read: {e}", logo.display()))?
                .len();
            if size > MAX_LOGO_BYTES || logo_media_type(logo).is_none() {
                return Err("practice_logo must be a PNG, JPEG or GIF file of at most 256 KiB".into());
            }
        }
        tracing_subscriber::EnvFilter::try_new(&self.log)
            .map_err(|e| format!("log is not a valid log filter ({e})"))?;
        Ok(self)
    }

    /// The address users type, without a trailing slash: the base of every link we send.
    pub fn public_base(&self) -> String {
        self.public_url.as_ref().map_or_else(
            || format!("http://{}", self.bind),
            |url| url.as_str().trim_end_matches('/').to_owned(),
        )
    }

    /// Whether the public URL is https, which turns on Secure cookies and HSTS.
    pub fn is_https(&self) -> bool {
        self.public_url.as_ref().is_some_and(|u| u.scheme() == "https")
    }

    /// The Host header values this server answers to: the public URL's host, and the loopback
    /// names when it listens on loopback or on every interface. Anything else is refused, which
    /// defeats DNS-rebinding attacks on a server reachable at 127.0.0.1.
    pub fn allowed_hosts(&self) -> Vec<String> {
        let mut hosts = Vec::new();
        if let Some(public) = &self.public_url {
            let host = public.host_str().unwrap_or_default().to_ascii_lowercase();
            match public.port() {
                Some(port) => hosts.push(format!("{host}:{port}")),
                None => {
                    hosts.push(host.clone());
                    hosts.push(format!("{host}:{}", public.port_or_known_default().unwrap_or(80)));
                }
            }
        }
        if self.bind.ip().is_loopback() || self.bind.ip().is_unspecified() {
            let port = self.bind.port();
            hosts.extend([format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")]);
        }
        hosts
    }

    /// The origin (scheme://host[:port]) of the public URL, for Origin header checks.
    pub fn public_origin(&self) -> String {
        self.public_url.as_ref().map(|u| u.origin().ascii_serialization()).unwrap_or_default()
    }

    /// The domain of the sender address: it names our Message-IDs.
    pub fn mail_domain(&self) -> String {
        self.mail_from.email.domain().to_owned()
    }
}

/// The media type of a logo file, by its extension.
pub fn logo_media_type(path: &Path) -> Option<&'static str> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults with some settings replaced, loaded the way a local file would be.
    fn load(overrides: &str) -> Result<Config, String> {
        let raw = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .add_source(config::File::from_str(overrides, config::FileFormat::Toml))
            .build()
            .map_err(|e| e.to_string())?;
        raw.try_deserialize::<Config>().map_err(|e| e.to_string())?.validated()
    }

    #[test]
    fn defaults_are_valid_and_derive_the_public_url() {
        let config = load("").unwrap();
        assert_eq!(config.public_base(), "http://127.0.0.1:8080");
        assert_eq!(config.public_origin(), "http://127.0.0.1:8080");
        assert!(!config.is_https());
        assert_eq!(config.mail_transport, MailTransport::Folder);
        assert_eq!(config.smtp_security, SmtpSecurity::StartTls);
        assert_eq!(config.timezone, chrono_tz::UTC);
    }

    #[test]
    fn allowed_hosts_cover_the_public_url_and_loopback() {
        let config = load("").unwrap();
        assert!(config.allowed_hosts().contains(&"127.0.0.1:8080".to_owned()));
        assert!(config.allowed_hosts().contains(&"localhost:8080".to_owned()));
        let config = load("public_url = \"HTTPS://Practice.Example/\"").unwrap();
        assert!(config.is_https());
        assert_eq!(config.public_base(), "https://practice.example");
        let hosts = config.allowed_hosts();
        assert!(
            hosts.contains(&"practice.example".to_owned())
                && hosts.contains(&"practice.example:443".to_owned())
        );
        assert!(!hosts.iter().any(|h| h.starts_with("evil")));
    }

    #[test]
    fn bad_values_name_the_setting() {
        let cases = [
            ("bind = \"nowhere\"", "bind"),
            ("public_url = \"ftp://x\"", "public_url"),
            ("database_url = \"mysql://x\"", "database_url"),
            ("jwt_secret = \"short\"", "jwt_secret"),
            ("session_idle_minutes = 0", "session_idle_minutes"),
            ("log = \"[[[\"", "log"),
            ("timezone = \"Mars/Olympus_Mons\"", "timezone"),
            ("mail_transport = \"pigeon\"", "mail_transport"),
            ("smtp_security = \"maybe\"", "smtp_security"),
            ("mail_from = \"not an address\"", "mail_from"),
            ("practice_logo = \"/nonexistent/logo.png\"", "practice_logo"),
        ];
        for (setting_line, setting) in cases {
            let err = load(setting_line).unwrap_err();
            assert!(err.contains(setting), "{err:?} should name {setting}");
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = load(
            "jwt_secret = \"0123456789abcdef0123456789abcdef-secret\"\n\
             database_url = \"postgres://app:s3cret@db.example/myochart\"\n\
             smtp_password = \"mail-pass-word\"",
        )
        .unwrap();
        let shown = format!("{config:?}");
        for secret in ["0123456789abcdef", "s3cret", "mail-pass-word"] {
            assert!(!shown.contains(secret), "{secret} leaked into {shown}");
        }
        assert_eq!(config.database_url.redacted(), "postgres://app:***@db.example/myochart");
    }

    #[test]
    fn database_urls_pick_the_backend() {
        let sqlite = |s: &str| s.parse::<DatabaseUrl>();
        assert_eq!(sqlite("sqlite://data/x.db"), Ok(DatabaseUrl::Sqlite("data/x.db".into())));
        assert_eq!(sqlite("sqlite:/tmp/x.db"), Ok(DatabaseUrl::Sqlite("/tmp/x.db".into())));
        assert!(matches!(sqlite("postgres://u@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(matches!(sqlite("postgresql://u@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(sqlite("mysql://u@h/db").is_err());
        assert!(sqlite("data/x.db").is_err());
        assert!(sqlite("sqlite://").is_err());
    }
}
