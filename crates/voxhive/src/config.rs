//! Configuration: defaults, then a TOML file, then `VOXHIVE_*` environment variables, then flags.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use voxhive_store::DatabaseUrl;

/// Every environment variable VoxHive reads; any other `VOXHIVE_*` variable is reported.
pub const KNOWN_ENV: &[&str] = &[
    "VOXHIVE_CONFIG",
    "VOXHIVE_BIND",
    "VOXHIVE_DATA_DIR",
    "VOXHIVE_DATABASE_URL",
    "VOXHIVE_DATABASE_URL_FILE",
    "VOXHIVE_ARCHIVE_URL",
    "VOXHIVE_PUBLIC_URL",
    "VOXHIVE_SECURE_COOKIES",
    "VOXHIVE_TRUST_PROXY",
    "VOXHIVE_LOG",
    "VOXHIVE_LOG_FORMAT",
    "VOXHIVE_MASTER_KEY",
    "VOXHIVE_MASTER_KEY_FILE",
    "VOXHIVE_TEST_DATABASE_URL",
    "VOXHIVE_SIM_PORT",
    "VOXHIVE_SERVER",
    "VOXHIVE_TOKEN",
    "VOXHIVE_TOKEN_FILE",
];

/// The settings of a VoxHive process. Field names are the keys of the TOML file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub bind: String,
    /// Directory for the SQLite file and, later, keys and recordings.
    pub data_dir: PathBuf,
    /// The file holding the master key when `VOXHIVE_MASTER_KEY` is not set; defaults to
    /// `master.key` in the data directory.
    pub master_key_file: Option<PathBuf>,
    /// `sqlite:PATH` or `postgres://…`; defaults to `voxhive.db` in the data directory.
    pub database_url: Option<String>,
    /// Where call recordings are archived: `file://DIR` or `s3://BUCKET/PREFIX` (credentials from
    /// the `AWS_*` variables), or `off`; defaults to `recordings` in the data directory.
    pub archive_url: Option<String>,
    /// The URL users reach VoxHive at, used in links VoxHive shows; defaults to `http://BIND`.
    pub public_url: Option<String>,
    /// Mark cookies Secure: set when VoxHive is served over HTTPS.
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-For` from a reverse proxy for the client address.
    pub trust_proxy: bool,
    /// Let webhook test deliveries reach loopback and private-network addresses.
    pub webhook_tests_private: bool,
    /// Hours a session lasts without use.
    pub session_ttl_hours: u64,
    /// Largest number of database connections.
    pub db_max_connections: u32,
    /// Failed sign-ins allowed per client address and per account in the window.
    pub login_limit_per_ip: i64,
    pub login_limit_per_account: i64,
    pub login_window_minutes: u64,
    /// `human` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `voxhive=debug,info`.
    pub log: String,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        let web = voxhive_web::WebConfig::default();
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("voxhive-data"),
            database_url: None,
            archive_url: None,
            master_key_file: None,
            public_url: None,
            secure_cookies: false,
            trust_proxy: false,
            webhook_tests_private: false,
            session_ttl_hours: 7 * 24,
            db_max_connections: 10,
            login_limit_per_ip: web.login_limit_per_ip,
            login_limit_per_account: web.login_limit_per_account,
            login_window_minutes: 15,
            log_format: LogFormat::Human,
            log: "info".into(),
        }
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value for {name}: {message}")]
    Value { name: &'static str, message: String },
}

impl Config {
    /// Reads a TOML file over the defaults; unknown keys are errors that name the key.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            message: e.message().to_string() + &location(&text, e.span()),
        })
    }

    /// Applies `VOXHIVE_*` variables that have no flag of their own.
    pub fn apply_env(&mut self) -> Result<(), ConfigError> {
        if let Ok(path) = std::env::var("VOXHIVE_DATABASE_URL_FILE") {
            let url = std::fs::read_to_string(&path).map_err(|e| ConfigError::Value {
                name: "VOXHIVE_DATABASE_URL_FILE",
                message: format!("cannot read {path}: {e}"),
            })?;
            self.database_url = Some(url.trim().to_string());
        }
        if let Ok(url) = std::env::var("VOXHIVE_ARCHIVE_URL") {
            self.archive_url = Some(url);
        }
        if let Ok(path) = std::env::var("VOXHIVE_MASTER_KEY_FILE") {
            self.master_key_file = Some(path.into());
        }
        if let Some(v) = env_bool("VOXHIVE_SECURE_COOKIES")? {
            self.secure_cookies = v;
        }
        if let Some(v) = env_bool("VOXHIVE_TRUST_PROXY")? {
            self.trust_proxy = v;
        }
        if let Some(v) = env_bool("VOXHIVE_WEBHOOK_TESTS_PRIVATE")? {
            self.webhook_tests_private = v;
        }
        if let Ok(v) = std::env::var("VOXHIVE_LOG") {
            self.log = v;
        }
        if let Ok(v) = std::env::var("VOXHIVE_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "human" => LogFormat::Human,
                "json" => LogFormat::Json,
                other => {
                    return Err(ConfigError::Value {
                        name: "VOXHIVE_LOG_FORMAT",
                        message: format!("{other:?}: use human or json"),
                    })
                }
            };
        }
        Ok(())
    }

    /// The database URL in force: the configured one, or the SQLite file in the data directory.
    pub fn database(&self) -> Result<DatabaseUrl, ConfigError> {
        match &self.database_url {
            Some(url) => DatabaseUrl::parse(url).map_err(|e| ConfigError::Value {
                name: "database_url",
                message: e.to_string(),
            }),
            None => Ok(DatabaseUrl::sqlite_file(&self.data_dir.join("voxhive.db"))),
        }
    }

    /// The recording archive in force: the configured one, or `recordings` in the data
    /// directory; `None` when archiving is `off`.
    pub fn archive(&self) -> Result<Option<voxhive_sync::archive::Archive>, ConfigError> {
        let archived = match self.archive_url.as_deref() {
            Some("off") => return Ok(None),
            Some(url) => voxhive_sync::archive::Archive::from_url(url),
            None => voxhive_sync::archive::Archive::local(&self.data_dir.join("recordings")),
        };
        archived.map(Some).map_err(|e| ConfigError::Value {
            name: "archive_url",
            message: e.to_string(),
        })
    }

    /// The flag that points a command at this configuration's database, for hints printed to users.
    pub fn data_dir_flag(&self) -> String {
        if self.database_url.is_none() && self.data_dir != Config::default().data_dir {
            format!(" --data-dir {}", self.data_dir.display())
        } else {
            String::new()
        }
    }

    /// The web layer's settings derived from this configuration and the address actually bound.
    pub fn web(&self, bound: std::net::SocketAddr) -> voxhive_web::WebConfig {
        voxhive_web::WebConfig {
            public_url: self.public_url.clone().unwrap_or_else(|| format!("http://{bound}")),
            secure_cookies: self.secure_cookies,
            session_ttl: Duration::from_secs(self.session_ttl_hours * 3600),
            login_limit_per_ip: self.login_limit_per_ip,
            login_limit_per_account: self.login_limit_per_account,
            login_window: Duration::from_secs(self.login_window_minutes * 60),
            trust_proxy: self.trust_proxy,
            webhook_tests_private: self.webhook_tests_private,
        }
    }
}

fn env_bool(name: &'static str) -> Result<Option<bool>, ConfigError> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(v) => match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Some(true)),
            "0" | "false" | "no" | "off" | "" => Ok(Some(false)),
            _ => Err(ConfigError::Value {
                name,
                message: format!("{v:?}: use true or false"),
            }),
        },
    }
}

/// ` (line L, column C)` for a byte span of the text.
fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(" (line {line}, column {column})")
}

/// The `VOXHIVE_*` variables set in the environment that VoxHive does not know.
pub fn unknown_env_vars() -> Vec<String> {
    std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("VOXHIVE_") && !KNOWN_ENV.contains(&k.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn a_file_overrides_the_defaults() {
        let file = write("bind = \"0.0.0.0:9000\"\nsession_ttl_hours = 1\n");
        let config = Config::from_file(file.path()).unwrap();
        assert_eq!(config.bind, "0.0.0.0:9000");
        assert_eq!(config.session_ttl_hours, 1);
        assert_eq!(config.db_max_connections, 10);
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let file = write("bind = \"127.0.0.1:1\"\ndatabse_url = \"sqlite:x\"\n");
        let err = Config::from_file(file.path()).unwrap_err().to_string();
        assert!(err.contains("databse_url"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn the_archive_defaults_to_the_data_dir_and_a_bad_url_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        assert!(config.archive().unwrap().is_some());
        assert!(dir.path().join("recordings").is_dir());
        let off = Config {
            archive_url: Some("off".into()),
            ..Config::default()
        };
        assert!(off.archive().unwrap().is_none());
        let file = write("archive_url = \"ftp://somewhere\"\n");
        let err = Config::from_file(file.path())
            .unwrap()
            .archive()
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("invalid value for archive_url:"), "{err}");
        assert!(err.contains("use file://DIRECTORY or s3://BUCKET/PREFIX"), "{err}");
    }

    #[test]
    fn the_default_database_is_sqlite_in_the_data_dir() {
        let config = Config {
            data_dir: "/tmp/vh".into(),
            ..Config::default()
        };
        assert_eq!(
            config.database().unwrap().to_string(),
            "sqlite:///tmp/vh/voxhive.db?mode=rwc"
        );
    }
}
