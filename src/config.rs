//! Typed settings: `config/default.toml` (compiled in, so the binary runs from any folder), then
//! an optional local file, then `MYOCHART_*` environment variables. Passed around as `web::Data`,
//! never a global.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::db::Target;

const DEFAULTS: &str = include_str!("../config/default.toml");

/// Every setting, after defaults and overrides are applied. See `config/default.toml`.
#[derive(Clone, Deserialize)]
pub struct Config {
    pub bind: String,
    pub public_url: String,
    pub database_url: String,
    pub database_pool_size: u32,
    pub data_dir: PathBuf,
    pub jwt_secret: String,
    pub session_idle_minutes: u32,
    pub session_max_hours: u32,
    pub max_form_bytes: usize,
    pub throttle_account_attempts: u32,
    pub throttle_account_refill_secs: u64,
    pub throttle_ip_attempts: u32,
    pub throttle_ip_refill_secs: u64,
    pub timezone: String,
    pub reminder_days_before: u32,
    pub practice_name: String,
    pub practice_footer: String,
    pub practice_logo: String,
    pub mail_transport: String,
    pub mail_folder: PathBuf,
    pub mail_from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
    pub smtp_timeout_secs: u64,
    pub mail_poll_secs: u64,
    pub mail_max_attempts: u32,
    pub trust_proxy_headers: bool,
    pub log: String,
    pub workers: usize,
    pub shutdown_timeout_secs: u64,
}

/// Secrets stay out of debug output.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("database_url", &crate::db::redact_url(&self.database_url))
            .field("jwt_secret", &if self.jwt_secret.is_empty() { "(generated)" } else { "(set)" })
            .field("mail_transport", &self.mail_transport)
            .field("smtp_password", &if self.smtp_password.is_empty() { "(none)" } else { "(set)" })
            .finish_non_exhaustive()
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
    pub fn defaults() -> Config {
        let raw = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()
            .expect("built-in defaults parse");
        raw.try_deserialize().expect("built-in defaults match Config")
    }

    /// Checks values the types alone cannot, and fills derived defaults.
    pub fn validated(mut self) -> Result<Config, String> {
        let bind: SocketAddr = self.bind.parse().map_err(|_| {
            format!("bind must be an address and port such as 127.0.0.1:8080 (got {:?})", self.bind)
        })?;
        if self.public_url.trim().is_empty() {
            self.public_url = format!("http://{bind}");
        }
        let public = url::Url::parse(&self.public_url)
            .map_err(|_| format!("public_url must be an absolute http(s) URL (got {:?})", self.public_url))?;
        if !matches!(public.scheme(), "http" | "https") || public.host().is_none() {
            return Err(format!("public_url must be an absolute http(s) URL (got {:?})", self.public_url));
        }
        self.public_url = self.public_url.trim_end_matches('/').to_owned();
        Target::parse(&self.database_url)?;
        if self.database_pool_size == 0 {
            return Err("database_pool_size must be at least 1".into());
        }
        if !self.jwt_secret.is_empty() && self.jwt_secret.len() < 32 {
            return Err("jwt_secret must be at least 32 characters (or empty to generate one)".into());
        }
        if self.session_idle_minutes == 0 || self.session_max_hours == 0 {
            return Err("session_idle_minutes and session_max_hours must be at least 1".into());
        }
        if u64::from(self.session_idle_minutes) > u64::from(self.session_max_hours) * 60 {
            return Err("session_idle_minutes cannot be longer than session_max_hours".into());
        }
        if self.max_form_bytes < 4096 {
            return Err("max_form_bytes must be at least 4096".into());
        }
        if self.throttle_account_attempts == 0 || self.throttle_ip_attempts == 0 {
            return Err("throttle_account_attempts and throttle_ip_attempts must be at least 1".into());
        }
        if self.throttle_account_refill_secs == 0 || self.throttle_ip_refill_secs == 0 {
            return Err("throttle_*_refill_secs must be at least 1".into());
        }
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(format!(
                "timezone must be an IANA time zone such as \"Europe/Berlin\" (got {:?})",
                self.timezone
            ));
        }
        if !self.practice_logo.is_empty() {
            let size = std::fs::metadata(&self.practice_logo)
                .map_err(|e| format!("practice_logo {:?} cannot be read: {e}", self.practice_logo))?
                .len();
            if size > 256 * 1024 || crate::mail::transport::logo_type(&self.practice_logo).is_none() {
                return Err("practice_logo must be a PNG, JPEG or GIF file of at most 256 KiB".into());
            }
        }
        if !matches!(self.mail_transport.as_str(), "folder" | "smtp") {
            return Err(format!(
                "mail_transport must be \"folder\" or \"smtp\" (got {:?})",
                self.mail_transport
            ));
        }
        if !matches!(self.smtp_security.as_str(), "starttls" | "tls" | "none") {
            return Err(format!(
                "smtp_security must be \"starttls\", \"tls\" or \"none\" (got {:?})",
                self.smtp_security
            ));
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "mail_from must be an address such as \"Practice <office@example.com>\" (got {:?})",
                self.mail_from
            ));
        }
        if self.mail_poll_secs == 0 || self.smtp_timeout_secs == 0 || self.mail_max_attempts == 0 {
            return Err("mail_poll_secs, smtp_timeout_secs and mail_max_attempts must be at least 1".into());
        }
        tracing_subscriber::EnvFilter::try_new(&self.log)
            .map_err(|e| format!("log is not a valid log filter ({e})"))?;
        Ok(self)
    }

    /// The practice's time zone (validated at load).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// Whether the public URL is https, which turns on Secure cookies and HSTS.
    pub fn is_https(&self) -> bool {
        url::Url::parse(&self.public_url).is_ok_and(|u| u.scheme() == "https")
    }

    /// The Host header values this server answers to: the public URL's host, and the loopback
    /// names when it listens on loopback or on every interface. Anything else is refused, which
    /// defeats DNS-rebinding attacks on a server reachable at 127.0.0.1.
    pub fn allowed_hosts(&self) -> Vec<String> {
        let mut hosts = Vec::new();
        if let Ok(public) = url::Url::parse(&self.public_url) {
            let host = public.host_str().unwrap_or_default().to_ascii_lowercase();
            match public.port() {
                Some(port) => hosts.push(format!("{host}:{port}")),
                None => {
                    hosts.push(host.clone());
                    hosts.push(format!("{host}:{}", public.port_or_known_default().unwrap_or(80)));
                }
            }
        }
        if let Ok(bind) = self.bind.parse::<SocketAddr>()
            && (bind.ip().is_loopback() || bind.ip().is_unspecified())
        {
            let port = bind.port();
            hosts.extend([format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")]);
        }
        hosts
    }

    /// The origin (scheme://host[:port]) of the public URL, for Origin header checks.
    pub fn public_origin(&self) -> String {
        url::Url::parse(&self.public_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_derive_the_public_url() {
        let config = Config::defaults().validated().unwrap();
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert_eq!(config.public_origin(), "http://127.0.0.1:8080");
        assert!(!config.is_https());
    }

    #[test]
    fn allowed_hosts_cover_the_public_url_and_loopback() {
        let mut config = Config::defaults().validated().unwrap();
        assert!(config.allowed_hosts().contains(&"127.0.0.1:8080".to_owned()));
        assert!(config.allowed_hosts().contains(&"localhost:8080".to_owned()));
        config.public_url = "HTTPS://Practice.Example".into();
        assert!(config.is_https());
        let hosts = config.allowed_hosts();
        assert!(
            hosts.contains(&"practice.example".to_owned())
                && hosts.contains(&"practice.example:443".to_owned())
        );
        assert!(!hosts.iter().any(|h| h.starts_with("evil")));
    }

    #[test]
    fn bad_values_name_the_setting() {
        type Mutation = fn(&mut Config);
        let cases: [(Mutation, &str); 6] = [
            (|c| c.bind = "nowhere".into(), "bind"),
            (|c| c.public_url = "ftp://x".into(), "public_url"),
            (|c| c.database_url = "mysql://x".into(), "database_url"),
            (|c| c.jwt_secret = "short".into(), "jwt_secret"),
            (|c| c.session_idle_minutes = 0, "session_idle_minutes"),
            (|c| c.log = "[[[".into(), "log"),
        ];
        for (mutate, setting) in cases {
            let mut config = Config::defaults();
            mutate(&mut config);
            let err = config.validated().unwrap_err();
            assert!(err.contains(setting), "{err:?} should name {setting}");
        }
    }
}
