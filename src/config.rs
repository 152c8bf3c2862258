//! The bot's configuration file (`faqbot.toml`) and the Discord token.
//!
//! Every key is optional; unknown keys are an error so that a typo never silently turns a feature
//! off. The token is deliberately not a config key: it comes from `DISCORD_TOKEN` or from the file
//! named by `token_file`, and [`Token`] never prints it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::location::Problem;

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
    /// The store: the SQLite file, as a path or a `sqlite:PATH` URL; a relative path is taken from
    /// the config file's folder.
    #[serde(default = "default_store")]
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// The origin of the REST API (a proxy or the emulator); Discord itself when absent.
    pub api_base: Option<String>,
    /// Register commands in this guild (instant) instead of globally (may take an hour).
    #[serde(default, deserialize_with = "snowflake::option")]
    pub guild_id: Option<u64>,
    /// A file holding the token, used when `DISCORD_TOKEN` is not set.
    pub token_file: Option<PathBuf>,
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
#[derive(Debug)]
pub enum ConfigError {
    Read { path: String, error: std::io::Error },
    Invalid(Problem),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, error } => {
                write!(f, "cannot read config file {path}: {error}")?;
                if error.kind() == std::io::ErrorKind::NotFound {
                    write!(f, " (copy faqbot.example.toml to start one)")?;
                }
                Ok(())
            }
            ConfigError::Invalid(problem) => write!(f, "{problem}"),
        }
    }
}

impl std::error::Error for ConfigError {}

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
            // A store given by URL keeps its scheme; `sqlite:PATH` is a path like any other.
            let store = &mut config.store.path;
            if let Some(path) = store.to_str().and_then(|s| s.strip_prefix("sqlite:")) {
                *store = PathBuf::from(path.trim_start_matches("//"));
            }
            let url = store.to_string_lossy().contains("://");
            for file in [&mut config.faq, &mut config.matcher.model.dir]
                .into_iter()
                .chain((!url).then_some(store))
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
    pub fn resolve(from_env: Option<&str>, token_file: Option<&Path>) -> Result<Token, String> {
        if let Some(raw) = from_env.filter(|raw| !raw.trim().is_empty()) {
            return Token::new(raw).ok_or_else(|| {
                format!("{TOKEN_VAR} is not a valid token: copy it again from the Developer Portal's Bot page")
            });
        }
        let Some(file) = token_file else {
            return Err(format!(
                "no Discord token: set {TOKEN_VAR} or [discord] token_file (README: \"Running it on Discord\")"
            ));
        };
        let raw = std::fs::read_to_string(file)
            .map_err(|error| format!("cannot read token_file {}: {error}", file.display()))?;
        Token::new(&raw).ok_or_else(|| {
            format!(
                "token_file {} holds no valid token: put only the token in it",
                file.display()
            )
        })
    }

    /// The token itself, for the HTTP client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
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
mod tests {
    use super::*;

    #[test]
    fn a_store_path_or_sqlite_url_is_taken_from_the_config_folder_and_a_url_kept() {
        let dir = std::env::temp_dir().join(format!("faqbot-config-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("faqbot.toml");
        for (configured, expected) in [
            ("bot.db", dir.join("bot.db")),
            ("sqlite:bot.db", dir.join("bot.db")),
            ("sqlite:///var/lib/bot.db", PathBuf::from("/var/lib/bot.db")),
            (
                "postgres://db/faqbot",
                PathBuf::from("postgres://db/faqbot"),
            ),
        ] {
            std::fs::write(&file, format!("[store]\npath = \"{configured}\"\n")).unwrap();
            assert_eq!(
                Config::load(&file).unwrap().store.path,
                expected,
                "{configured}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_key_has_a_default() {
        let config = Config::parse("", "faqbot.toml").unwrap();
        assert_eq!(config.faq, PathBuf::from("faq.toml"));
        assert_eq!(config.suggest.cooldown_secs, 600);
        assert_eq!(config.suggest.threads, ThreadMode::FirstMessage);
        assert!(config.suggest.channels.is_empty());
        assert!(config.discord.guild_id.is_none());
        assert_eq!(config.store.path, PathBuf::from("faqbot.db"));
        assert_eq!(config.store.max_examples_per_entry, 200);
        assert_eq!(config.store.keep_days, 180);
        assert_eq!(config.suggest.max_delay_secs, 30);
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let example = include_str!("../faqbot.example.toml");
        let config = Config::parse(example, "faqbot.example.toml").unwrap();
        assert_eq!(config.suggest.channels, ["cipp-issues"]);
        assert_eq!(config.moderators.roles, ["Moderator"]);
    }

    #[test]
    fn reads_the_documented_keys() {
        let config = Config::parse(
            r#"
faq = "cipp.toml"
[discord]
api_base = "http://127.0.0.1:8080"
guild_id = "123"
token_file = "/run/secrets/discord-token"
[suggest]
channels = ["cipp-issues", "112233445566778899"]
cooldown_secs = 0
threads = "all"
min_confidence = 0.9
[moderators]
roles = ["Moderator"]
[store]
path = "/var/lib/faqbot/faqbot.db"
max_examples_per_entry = 50
keep_days = 30
"#,
            "faqbot.toml",
        )
        .unwrap();
        assert_eq!(
            config.store.path,
            PathBuf::from("/var/lib/faqbot/faqbot.db")
        );
        assert_eq!(config.store.max_examples_per_entry, 50);
        assert_eq!(config.store.keep_days, 30);
        assert_eq!(config.suggest.min_confidence, Some(0.9));
        let error = Config::parse("[suggest]\nmin_confidence = 1.5\n", "faqbot.toml").unwrap_err();
        assert!(error.to_string().contains("faqbot.toml:2:"), "{error}");
        assert!(error.to_string().contains("at most 1"), "{error}");
        assert_eq!(config.discord.guild_id, Some(123));
        assert_eq!(config.suggest.threads, ThreadMode::All);
        assert_eq!(config.suggest.cooldown_secs, 0);
        assert_eq!(config.moderators.roles, ["Moderator"]);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_positioned_one_line_errors() {
        let error = Config::parse("[suggest]\ncooldown = 5\n", "faqbot.toml").unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("faqbot.toml:2:1: unknown field `cooldown`"),
            "{text}"
        );
        assert!(!text.contains('\n'));

        let error = Config::parse("[discord]\nguild_id = \"abc\"\n", "c.toml").unwrap_err();
        assert!(error.to_string().contains("not a Discord id"), "{error}");

        let error = Config::parse("[suggest]\nthreads = \"some\"\n", "c.toml").unwrap_err();
        assert!(error.to_string().contains("first-message"), "{error}");

        let error = Config::parse("[discord]\napi_base = \"localhost\"\n", "c.toml").unwrap_err();
        assert!(error.to_string().contains("http(s) origin"), "{error}");
    }

    #[test]
    fn a_token_key_says_where_the_token_goes() {
        let error = Config::parse("[discord]\ntoken = \"abc\"\n", "c.toml").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("DISCORD_TOKEN"), "{text}");
        assert!(!text.contains("abc"), "{text}");
    }

    #[test]
    fn token_comes_from_env_then_file_and_never_prints() {
        let token = Token::resolve(Some(" Bot abc.def "), None).unwrap();
        assert_eq!(token.expose(), "abc.def");
        assert_eq!(format!("{token:?}"), "Token(***)");

        let dir = std::env::temp_dir().join(format!("faqbot-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "from-file\n").unwrap();
        assert_eq!(
            Token::resolve(None, Some(&file)).unwrap().expose(),
            "from-file"
        );
        assert_eq!(
            Token::resolve(Some(""), Some(&file)).unwrap().expose(),
            "from-file"
        );

        let missing = Token::resolve(None, None).unwrap_err();
        assert!(missing.contains("DISCORD_TOKEN"), "{missing}");
        let bad = Token::resolve(Some("two words"), None).unwrap_err();
        assert!(!bad.contains("two words"), "{bad}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn names_match_ids_or_names_without_case_or_sigils() {
        assert!(Named::parse("#CIPP-issues").is(1, "cipp-issues"));
        assert!(Named::parse("112233").is(112233, "other"));
        assert!(!Named::parse("112233").is(1, "112233x"));
        assert!(Named::parse("@Moderator").is(7, "moderator"));
    }
}
