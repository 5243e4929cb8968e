//! The one `Config` of the command line: database URL and time zone, layered flags over
//! `SERVQ_*` environment variables over a config file (`--config`, `SERVQ_CONFIG`, or
//! `servq.toml` in the working folder when present) over defaults. The database password, if the
//! URL has one, is never printed.

use anyhow::{Context, Result};
use jiff::tz::TimeZone;
use servq_store::Store;

/// Flags shared by every subcommand.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// Database URL: sqlite://FILE (created on first use) or postgres://USER:PASS@HOST/DB
    /// [default: sqlite://servq.db]
    #[arg(long, global = true, env = "SERVQ_DATABASE_URL")]
    db: Option<String>,
    /// IANA time zone naive timestamps in imports are read in and reports are labelled in
    /// [default: Asia/Shanghai]
    #[arg(long, global = true, env = "SERVQ_TZ")]
    tz: Option<String>,
    /// Config file (TOML with `database_url` and `time_zone`) [default: servq.toml if present]
    #[arg(long, global = true, env = "SERVQ_CONFIG")]
    config: Option<std::path::PathBuf>,
}

/// The keys a config file may set.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    database_url: Option<String>,
    time_zone: Option<String>,
}

const DEFAULT_DATABASE_URL: &str = "sqlite://servq.db";
const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";
const DEFAULT_CONFIG_FILE: &str = "servq.toml";

fn read_config_file(explicit: Option<&std::path::Path>) -> Result<(ConfigFile, Option<String>)> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None if std::path::Path::new(DEFAULT_CONFIG_FILE).exists() => DEFAULT_CONFIG_FILE.into(),
        None => return Ok((ConfigFile::default(), None)),
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    let file = toml::from_str(&text).with_context(|| format!("config file {}", path.display()))?;
    Ok((file, Some(path.display().to_string())))
}

/// Effective configuration.
pub struct Config {
    /// The config file that was read, if any.
    pub file: Option<String>,
    /// Database URL.
    pub database_url: String,
    /// Name of the centre's zone.
    pub zone_name: String,
    /// The centre's zone.
    pub zone: TimeZone,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact(&self.database_url))
            .field("zone_name", &self.zone_name)
            .finish()
    }
}

/// The URL with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Config {
    /// Builds the configuration: flags and environment (parsed by clap) over the config file
    /// over defaults.
    pub fn from_args(args: &ConfigArgs) -> Result<Config> {
        let (file, file_name) = read_config_file(args.config.as_deref())?;
        let database_url = args
            .db
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let zone_name = args
            .tz
            .clone()
            .or(file.time_zone)
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
        let zone = servq_core::parse_zone(&zone_name)
            .context("time zone (--tz, SERVQ_TZ or time_zone)")?;
        Ok(Config {
            file: file_name,
            database_url,
            zone_name: zone_name.trim().to_owned(),
            zone,
        })
    }

    /// Opens the configured store.
    pub async fn open_store(&self) -> Result<Store> {
        let store = Store::open(&self.database_url)
            .await
            .with_context(|| format!("opening database {}", redact(&self.database_url)))?;
        // a half-loaded store would serve and report half the data
        if let Some((backup_id, file)) = store.restore_in_progress().await? {
            store.close().await;
            anyhow::bail!(
                "database {} is being restored from backup {backup_id} ({file}) and the load is not finished: \
                 run `servq restore {file} --db URL --resume` (or `servq store copy ... --resume`) first",
                redact(&self.database_url)
            );
        }
        Ok(store)
    }
}

pub async fn show(config: &Config) -> Result<std::process::ExitCode> {
    let store = config.open_store().await?;
    let settings = store.kpi_settings().await?;
    println!(
        "config_file = {}",
        config.file.as_deref().unwrap_or("(none)")
    );
    println!("database_url = {}", redact(&config.database_url));
    println!("time_zone = {}", config.zone_name);
    println!("centre_time_zone = {}", store.centre_zone().await?);
    println!(
        "kpi.short_abandon_seconds = {}",
        settings.short_abandon_ms as f64 / 1000.0
    );
    println!(
        "kpi.service_level_seconds = {}",
        settings.service_level_ms as f64 / 1000.0
    );
    println!(
        "kpi.fcr_window_hours = {}",
        settings.fcr_window_ms as f64 / 3_600_000.0
    );
    store.close().await;
    Ok(std::process::ExitCode::SUCCESS)
}

pub async fn set_centre_zone(config: &Config, zone: &str) -> Result<std::process::ExitCode> {
    let store = config.open_store().await?;
    let saved = save(
        &store,
        &servq_app::centre::CentreUpdate {
            time_zone: Some(zone.to_owned()),
            ..Default::default()
        },
    )
    .await;
    store.close().await;
    let saved = saved?;
    eprintln!(
        "centre time zone set to {}; daily summaries rebuilt.",
        saved.time_zone
    );
    Ok(std::process::ExitCode::SUCCESS)
}

/// Saves through the one checked path the web page uses (every problem named, audited).
async fn save(
    store: &servq_store::Store,
    update: &servq_app::centre::CentreUpdate,
) -> Result<servq_app::centre::CentreSettings> {
    servq_app::centre::save(store, update, &servq_app::cli_actor())
        .await
        .map_err(|refused| match refused {
            servq_app::centre::CentreRefused::Failed(error) => error,
            invalid => anyhow::anyhow!("{invalid}"),
        })
}

pub async fn set_kpi(
    config: &Config,
    short_abandon_seconds: Option<f64>,
    service_level_seconds: Option<f64>,
    fcr_window_hours: Option<f64>,
) -> Result<std::process::ExitCode> {
    let store = config.open_store().await?;
    let saved = save(
        &store,
        &servq_app::centre::CentreUpdate {
            short_abandon_seconds,
            service_level_seconds,
            fcr_window_hours,
            ..Default::default()
        },
    )
    .await;
    store.close().await;
    saved?;
    eprintln!("KPI thresholds stored; rollups rebuilt.");
    show(config).await
}

#[cfg(test)]
mod tests {
    use super::{Config, ConfigArgs, redact};

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("servq.toml");
        std::fs::write(
            &path,
            "database_url = \"sqlite://from-file.db\"\ntime_zone = \"UTC\"\n",
        )
        .unwrap();
        let args = ConfigArgs {
            db: None,
            tz: Some("Asia/Taipei".into()),
            config: Some(path.clone()),
        };
        let config = Config::from_args(&args).unwrap();
        assert_eq!(config.database_url, "sqlite://from-file.db");
        assert_eq!(config.zone_name, "Asia/Taipei");
        std::fs::write(&path, "database_url = 1\n").unwrap();
        let error = format!("{:#}", Config::from_args(&args).err().unwrap());
        assert!(error.contains("servq.toml"), "{error}");
        std::fs::write(&path, "colour = \"red\"\n").unwrap();
        let error = format!("{:#}", Config::from_args(&args).err().unwrap());
        assert!(error.contains("unknown field `colour`"), "{error}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://servq:secret@db:5432/servq"),
            "postgres://servq:***@db:5432/servq"
        );
        assert_eq!(
            redact("postgres://servq@db/servq"),
            "postgres://servq@db/servq"
        );
        assert_eq!(redact("sqlite://servq.db"), "sqlite://servq.db");
    }
}
