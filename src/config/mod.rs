//! The bot's configuration file (`faqbot.toml`) and the Discord token.
//!
//! Every key is optional; unknown keys are an error so that a typo never silently turns a feature
//! off. The token is deliberately not a config key: it comes from `DISCORD_TOKEN` or from the file
//! named by `token_file`, and [`Token`] never prints it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::location::Problem;
pub use shards::Shards;

pub mod shards;

/// The environment variable that holds the bot token.
pub const TOKEN_VAR: &str = "DISCORD_TOKEN";

/// The whole `faqbot.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The FAQ file; a relative path is taken from the config file's folder.
    #[serde(default = "default_faq")]
    pub faq: PathBuf,
    #[serde(default)]
    pub discord: DiscordConfig,
    #[serde(default)]
    pub suggest: SuggestConfig,
    #[serde(default)]
    pub moderators: ModeratorConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub matcher: MatcherConfig,
}

/// `[matcher]`: how messages are matched.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherConfig {
    #[serde(default)]
    pub model: ModelConfig,
}

/// `[matcher.model]`: the sentence transformer behind the second opinion.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The folder `faqbot model fetch` filled; without the files there, words alone decide. A
    /// relative path is taken from the config file's folder.
    #[serde(default = "default_model_dir")]
    pub dir: PathBuf,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            dir: default_model_dir(),
        }
    }
}

fn default_model_dir() -> PathBuf {
    PathBuf::from(crate::model::files::DEFAULT_DIR)
}

/// `[store]`: where the bot keeps what it learns and records, and for how long.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The store: the SQLite file, as a path or a `sqlite:PATH` URL (a relative path is taken
    /// from the config file's folder); or a `postgres://` URL, a database several bot processes
    /// share. `url` is another name for the same key.
    #[serde(default = "default_store", alias = "url")]
    pub path: PathBuf,
    /// Learned examples kept per entry; past it the oldest are dropped.
    #[serde(default = "default_max_examples")]
    pub max_examples_per_entry: usize,
    /// Events (what was shown, feedback, unmatched messages) older than this are deleted; 0 keeps
    /// them forever.
    #[serde(default = "default_keep_days")]
    pub keep_days: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: default_store(),
            max_examples_per_entry: default_max_examples(),
            keep_days: default_keep_days(),
        }
    }
}

fn default_store() -> PathBuf {
    PathBuf::from("faqbot.db")
}

/// Enough to cover the ways a community asks one question, few enough that one entry's old
/// wording does not crowd out the rest.
fn default_max_examples() -> usize {
    200
}

fn default_keep_days() -> u64 {
    crate::store::DEFAULT_KEEP_DAYS
}

/// `[discord]`: where Discord is and how to find the token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// The origin of the REST API (a proxy or the emulator); Discord itself when absent.
    pub api_base: Option<String>,
    /// Register commands in this guild (instant) instead of globally (may take an hour).
    #[serde(default, deserialize_with = "snowflake::option")]
    pub guild_id: Option<u64>,
    /// A file holding the token, used when `DISCORD_TOKEN` is not set.
    pub token_file: Option<PathBuf>,
    /// On SIGTERM or Ctrl+C, how long the bot may go on handling what it received before the
    /// stop; what is still unfinished then is taken up at the next start.
    #[serde(default = "default_drain")]
    pub drain_secs: u64,
    /// The shards this process runs, of a total that every process of the bot is given alike
    /// (`"0-3/8"`); absent, one process runs one shard.
    pub shards: Option<Shards>,
    /// This process's share of Discord's global limit of 50 REST requests a second; absent, its
    /// part of the shards' (50 × shards run / total).
    pub requests_per_sec: Option<u32>,
}

/// `[suggest]`: where and how often the bot suggests entries unasked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuggestConfig {
    /// Channel names (`cipp-issues`, `#cipp-issues`) or ids; their threads count too.
    #[serde(default)]
    pub channels: Vec<String>,
    /// The same entry is not suggested again in a channel within this many seconds; 0 = no cooldown.
    #[serde(default = "default_cooldown")]
    pub cooldown_secs: u64,
    #[serde(default)]
    pub threads: ThreadMode,
    /// Lowest confidence of an unasked suggestion, in (0, 1]; the calibrated default when absent.
    pub min_confidence: Option<f32>,
    /// An unasked suggestion that could not be posted (rate limits, an outage) is retried until
    /// this many seconds after the question; later it would be noise, and it is given up.
    #[serde(default = "default_max_delay")]
    pub max_delay_secs: u64,
}

/// Which messages of a thread the bot may answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreadMode {
    /// Only the message that opens the thread (the question of a forum post).
    #[default]
    FirstMessage,
    /// Every message.
    All,
}

/// `[moderators]`: who may link entries, reload the FAQ and remove suggestions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeratorConfig {
    /// Role names or ids. Empty: members with the Manage Messages permission.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl DiscordConfig {
    /// This process's part of Discord's global REST limit: as configured, else its shards' part,
    /// else the whole of it (one process runs every shard).
    pub fn global_requests_per_sec(&self) -> u32 {
        self.requests_per_sec
            .or(self.shards.map(|s| s.requests_per_sec()))
            .unwrap_or(shards::GLOBAL_REQUESTS_PER_SEC)
    }
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            api_base: None,
            guild_id: None,
            token_file: None,
            drain_secs: default_drain(),
            shards: None,
            requests_per_sec: None,
        }
    }
}

/// Ten seconds: posts within Discord's limits take a few seconds for a burst of a hundred, and
/// process supervisors (systemd, Docker) wait 10 s or more before they kill.
fn default_drain() -> u64 {
    10
}

impl Default for SuggestConfig {
    fn default() -> Self {
        SuggestConfig {
            channels: Vec::new(),
            cooldown_secs: default_cooldown(),
            threads: ThreadMode::default(),
            min_confidence: None,
            max_delay_secs: default_max_delay(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            faq: default_faq(),
            discord: DiscordConfig::default(),
            suggest: SuggestConfig::default(),
            moderators: ModeratorConfig::default(),
            store: StoreConfig::default(),
            matcher: MatcherConfig::default(),
        }
    }
}

fn default_faq() -> PathBuf {
    PathBuf::from("faq.toml")
}

fn default_cooldown() -> u64 {
    600
}

/// Half a minute: in a busy channel, an answer later than that reads as a reply to something else.
fn default_max_delay() -> u64 {
    30
}

/// Why the configuration could not be used; each prints as one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {error}{}", if error.kind() == std::io::ErrorKind::NotFound { " (copy faqbot.example.toml to start one)" } else { "" })]
    Read { path: String, error: std::io::Error },
    #[error("{0}")]
    Invalid(Problem),
}

impl Config {
    /// Reads a config file; a relative `faq` path is made relative to the file's folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: name.clone(),
            error,
        })?;
        let mut config = Config::parse(&text, &name)?;
        if let Some(folder) = path.parent() {
            // A store given by another backend's URL keeps it; `sqlite:PATH` is a path like any
            // other.
            let store = &mut config.store.path;
            let file = crate::store::sqlite_file(store);
            let is_file = file.is_some();
            if let Some(file) = file {
                *store = file;
            }
            for file in [&mut config.faq, &mut config.matcher.model.dir]
                .into_iter()
                .chain(is_file.then_some(store))
            {
                if file.is_relative() {
                    *file = folder.join(&*file);
                }
            }
        }
        Ok(config)
    }

    /// Parses config text; `path` only names the source in errors.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|error| {
            let mut problem = Problem::from_toml(path, text, &error);
            if problem.message.contains("unknown field `token`") {
                problem.message = format!(
                    "the token is never read from the config: set {TOKEN_VAR} or \
                     [discord] token_file"
                );
            }
            ConfigError::Invalid(problem)
        })?;
        if let Some(min) = config.suggest.min_confidence {
            if !(min > 0.0 && min <= 1.0) {
                return Err(ConfigError::Invalid(Problem::at(
                    path,
                    text,
                    text.find("min_confidence").unwrap_or(0)..0,
                    format!("min_confidence must be above 0 and at most 1, not {min}; the default is {}", crate::matcher::calibration::MIN_CONFIDENCE),
                )));
            }
        }
        if let Some(base) = &config.discord.api_base {
            if !crate::faq::is_web_url(base) {
                return Err(ConfigError::Invalid(Problem::at(
                    path,
                    text,
                    text.find("api_base").unwrap_or(0)..0,
                    format!("api_base must be an http(s) origin such as http://127.0.0.1:8080, not {base:?}"),
                )));
            }
        }
        Ok(config)
    }
}

/// The bot token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token, dropping white space and a `Bot ` prefix that people paste along with it.
    pub fn new(raw: &str) -> Option<Token> {
        let token = raw.trim();
        let token = token.strip_prefix("Bot ").unwrap_or(token).trim();
        (!token.is_empty() && !token.chars().any(char::is_whitespace))
            .then(|| Token(token.to_owned()))
    }

    /// The token from `DISCORD_TOKEN` (given here as `from_env`) or else from `token_file`.
    pub fn resolve(from_env: Option<&str>, token_file: Option<&Path>) -> Result<Token, TokenError> {
        if let Some(raw) = from_env.filter(|raw| !raw.trim().is_empty()) {
            return Token::new(raw).ok_or(TokenError::InvalidVar);
        }
        let file = token_file.ok_or(TokenError::Missing)?;
        let raw = std::fs::read_to_string(file).map_err(|error| TokenError::Read {
            path: file.to_path_buf(),
            error,
        })?;
        Token::new(&raw).ok_or_else(|| TokenError::InvalidFile(file.to_path_buf()))
    }

    /// The token itself, for the HTTP client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Why there is no token to run with. The token itself is never part of the message.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "{TOKEN_VAR} is not a valid token: copy it again from the Developer Portal's Bot page"
    )]
    InvalidVar,
    #[error("no Discord token: set {TOKEN_VAR} or [discord] token_file (README: \"Running it on Discord\")")]
    Missing,
    #[error("cannot read token_file {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("token_file {} holds no valid token: put only the token in it", .0.display())]
    InvalidFile(PathBuf),
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Discord ids are written as strings in the config (they overflow JavaScript numbers), but a
/// plain integer is accepted too.
mod snowflake {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(u64),
    }

    pub fn option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
        match Option::<Raw>::deserialize(deserializer)? {
            None => Ok(None),
            Some(Raw::Number(id)) => Ok(Some(id)),
            Some(Raw::Text(text)) => text.trim().parse().map(Some).map_err(|_| {
                serde::de::Error::custom(format!("{text:?} is not a Discord id (digits only)"))
            }),
        }
    }
}

/// A channel or role named in the config: an id, or a name compared without case and `#`/`@`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Id(u64),
    Name(String),
}

impl Named {
    pub fn parse(text: &str) -> Named {
        let text = text.trim();
        match text.parse::<u64>() {
            Ok(id) => Named::Id(id),
            Err(_) => Named::Name(text.trim_start_matches(['#', '@']).to_lowercase()),
        }
    }

    /// Whether this names the channel or role with `id` and `name`.
    pub fn is(&self, id: u64, name: &str) -> bool {
        match self {
            Named::Id(own) => *own == id,
            Named::Name(own) => own.eq_ignore_ascii_case(name.trim_start_matches(['#', '@'])),
        }
    }
}

#[cfg(test)]
mod tests;
