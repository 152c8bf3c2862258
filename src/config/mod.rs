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
    #[serde(default)]
    pub gaps: GapsConfig,
    /// `[[server]]`: the servers served, each with its own settings where it names them.
    #[serde(default, rename = "server")]
    pub servers: Vec<ServerConfig>,
}

/// `[[server]]`: one served server; every key but `id` defaults to the top level's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(deserialize_with = "snowflake::required")]
    pub id: u64,
    /// Its FAQ file; servers naming the same file share one loaded FAQ.
    pub faq: Option<PathBuf>,
    pub channels: Option<Vec<String>>,
    pub threads: Option<ThreadMode>,
    pub moderator_roles: Option<Vec<String>>,
    pub min_confidence: Option<f32>,
    pub cooldown_secs: Option<u64>,
    pub digest_channel: Option<String>,
}

impl ServerConfig {
    /// Server `id` with the top level's settings.
    pub fn new(id: u64) -> ServerConfig {
        ServerConfig {
            id,
            faq: None,
            channels: None,
            threads: None,
            moderator_roles: None,
            min_confidence: None,
            cooldown_secs: None,
            digest_channel: None,
        }
    }
}

/// One server's settings: its `[[server]]` table over the top level's.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub faq: PathBuf,
    pub suggest: SuggestConfig,
    pub moderator_roles: Vec<String>,
    /// Where the weekly gaps digest goes (a channel name or id); `None`: no digest.
    pub digest_channel: Option<String>,
}

/// Which servers the bot serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// `[discord] guild_id` and every `[[server]]`: the bot acts there only.
    Listed(Vec<u64>),
    /// Neither is set: every server the bot is in (a public bot), each with its own memory.
    Every,
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
    /// The one server served (with any `[[server]]`), commands registered there at once.
    #[serde(default, deserialize_with = "snowflake::option")]
    pub guild_id: Option<u64>,
    /// Leave the servers that are not served (when some are listed) instead of answering there
    /// that the bot does not serve them.
    #[serde(default)]
    pub leave_unserved: bool,
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
    /// A member (not a moderator) may aim `/faq` at someone once in this many seconds, so that
    /// the bot cannot be used to ping a member again and again; 0 = no limit.
    #[serde(default = "default_aimed_cooldown")]
    pub aimed_cooldown_secs: u64,
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

/// `[gaps]`: what members keep asking that no entry answers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapsConfig {
    /// A moderators' channel (name or id) for a weekly digest of the new and growing gaps; none:
    /// no digest (`/faq-admin gaps` and `faqbot gaps` still show them).
    pub digest_channel: Option<String>,
}

/// Where the `[[server]]` table of `id` starts in the config text (0 when it cannot be found).
fn server_table(text: &str, id: u64) -> usize {
    server_tables(text, id).next().unwrap_or(0)
}

/// Where each `[[server]]` table that names `id` starts.
fn server_tables(text: &str, id: u64) -> impl Iterator<Item = usize> + '_ {
    let id = id.to_string();
    text.match_indices("[[server]]")
        .map(|(at, _)| at)
        .filter(move |&at| {
            let table = &text[at + 10..];
            let end = table.find("[[").unwrap_or(table.len());
            table[..end].contains(&id)
        })
}

impl Config {
    /// The servers the bot serves.
    pub fn served(&self) -> Served {
        let mut ids: Vec<u64> = self.discord.guild_id.into_iter().collect();
        ids.extend(self.servers.iter().map(|s| s.id));
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            Served::Every
        } else {
            Served::Listed(ids)
        }
    }

    /// The settings of server `id`: its `[[server]]` table over the top level's.
    pub fn settings(&self, id: u64) -> Settings {
        let own = self.servers.iter().find(|s| s.id == id).cloned();
        let mut suggest = self.suggest.clone();
        let mut faq = self.faq.clone();
        let mut moderator_roles = self.moderators.roles.clone();
        let mut digest_channel = self.gaps.digest_channel.clone();
        if let Some(own) = own {
            faq = own.faq.unwrap_or(faq);
            suggest.channels = own.channels.unwrap_or(suggest.channels);
            suggest.threads = own.threads.unwrap_or(suggest.threads);
            suggest.min_confidence = own.min_confidence.or(suggest.min_confidence);
            suggest.cooldown_secs = own.cooldown_secs.unwrap_or(suggest.cooldown_secs);
            moderator_roles = own.moderator_roles.unwrap_or(moderator_roles);
            digest_channel = own.digest_channel.or(digest_channel);
        }
        Settings {
            faq,
            suggest,
            moderator_roles,
            digest_channel,
        }
    }

    /// Every FAQ file the config names: the top level's, then each server's own, each once.
    pub fn faq_files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.faq.clone()];
        for file in self.servers.iter().filter_map(|s| s.faq.clone()) {
            if !files.contains(&file) {
                files.push(file);
            }
        }
        files
    }
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
            leave_unserved: false,
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
            aimed_cooldown_secs: default_aimed_cooldown(),
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
            gaps: GapsConfig::default(),
            servers: Vec::new(),
        }
    }
}

fn default_faq() -> PathBuf {
    PathBuf::from("faq.toml")
}

fn default_cooldown() -> u64 {
    600
}

/// Half a minute: long enough that pinging someone through the bot is no way to harass them,
/// short enough that a member helping several people in a row is not held up.
fn default_aimed_cooldown() -> u64 {
    30
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
            let server_faqs = config.servers.iter_mut().filter_map(|s| s.faq.as_mut());
            for file in [&mut config.faq, &mut config.matcher.model.dir]
                .into_iter()
                .chain(server_faqs)
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
        let mins = config
            .suggest
            .min_confidence
            .into_iter()
            .map(|min| (min, 0));
        let server_mins = config.servers.iter().filter_map(|s| {
            let table = server_table(text, s.id);
            s.min_confidence.map(|min| (min, table))
        });
        for (min, from) in mins.chain(server_mins) {
            if !(min > 0.0 && min <= 1.0) {
                let at = text[from..]
                    .find("min_confidence")
                    .map_or(0, |at| from + at);
                return Err(ConfigError::Invalid(Problem::at(
                    path,
                    text,
                    at..0,
                    format!("min_confidence must be above 0 and at most 1, not {min}; the default is {}", crate::matcher::calibration::MIN_CONFIDENCE),
                )));
            }
        }
        let mut ids = std::collections::HashSet::new();
        for server in &config.servers {
            if !ids.insert(server.id) {
                let second = server_tables(text, server.id).nth(1).unwrap_or(0);
                let at = text[second..].find("id").map_or(second, |at| second + at);
                return Err(ConfigError::Invalid(Problem::at(
                    path,
                    text,
                    at..0,
                    format!(
                        "[[server]] id {} is listed twice: merge the two tables",
                        server.id
                    ),
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
    /// Wraps a token, dropping white space and a `Bot ` prefix that people paste along with it;
    /// `None` for what cannot be a bot token, so it is refused before any connection.
    pub fn new(raw: &str) -> Option<Token> {
        let token = raw.trim();
        let token = token.strip_prefix("Bot ").unwrap_or(token).trim();
        has_a_tokens_shape(token).then(|| Token(token.to_owned()))
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

/// Whether `token` has a bot token's shape: three parts separated by dots (the bot's id, a time
/// and a signature), each of base64url characters. A pasted client secret, a half-copied token
/// or a placeholder has not.
fn has_a_tokens_shape(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Why there is no token to run with. The token itself is never part of the message.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "{TOKEN_VAR} is not a bot token (three parts separated by dots): copy it again from the Developer Portal's Bot page (Reset Token)"
    )]
    InvalidVar,
    #[error("no Discord token: set {TOKEN_VAR} or [discord] token_file (README: \"Running it on Discord\")")]
    Missing,
    #[error("cannot read token_file {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("token_file {} holds no bot token (three parts separated by dots): put only the token in it", .0.display())]
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

    pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        option(deserializer)?.ok_or_else(|| serde::de::Error::custom("a Discord id is required"))
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
