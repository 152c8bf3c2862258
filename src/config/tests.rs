//! The config file: defaults, every key, relative paths, the token and its errors.

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
    // `url` names the same key.
    std::fs::write(&file, "[store]\nurl = \"postgres://db/faqbot\"\n").unwrap();
    assert_eq!(
        Config::load(&file).unwrap().store.path,
        PathBuf::from("postgres://db/faqbot")
    );
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
    let example = include_str!("../../faqbot.example.toml");
    let config = Config::parse(example, "faqbot.example.toml").unwrap();
    assert_eq!(config.suggest.channels, ["cipp-issues"]);
    assert_eq!(config.moderators.roles, ["Moderator"]);
}

/// The README says the example has every key with comments: each key of its configuration table
/// is in the example, set or commented out.
#[test]
fn the_example_has_every_key_the_readme_lists() {
    let readme = include_str!("../../README.md");
    let example = include_str!("../../faqbot.example.toml");
    let keys: Vec<&str> = readme
        .lines()
        .skip_while(|line| !line.starts_with("| key |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| line.split('`').nth(1))
        .filter(|key| !key.starts_with("[["))
        .map(|key| key.rsplit(' ').next().unwrap_or(key))
        .collect();
    assert!(keys.len() > 15, "{keys:?}");
    for key in keys {
        let present = example.lines().any(|line| {
            let line = line.trim_start_matches(['#', ' ']);
            line.starts_with(&format!("{key} ="))
        });
        assert!(present, "faqbot.example.toml lacks `{key}`");
    }
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

    let error = Config::parse("[discord]\nshards = \"0-8/8\"\n", "c.toml").unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("c.toml:2:"), "{text}");
    assert!(text.contains("\"0-3/8\"") && !text.contains('\n'), "{text}");
}

#[test]
fn shards_and_the_rest_share_are_read() {
    let config = Config::parse(
        "[discord]\nshards = \"4-7/8\"\nrequests_per_sec = 20\n",
        "c.toml",
    )
    .unwrap();
    let shards = config.discord.shards.unwrap();
    assert_eq!((shards.first, shards.last, shards.total), (4, 7, 8));
    assert_eq!(config.discord.requests_per_sec, Some(20));
    assert_eq!(
        config.discord.global_requests_per_sec(),
        20,
        "as configured"
    );
    let half = Config::parse("[discord]\nshards = \"4-7/8\"\n", "c.toml").unwrap();
    assert_eq!(
        half.discord.global_requests_per_sec(),
        25,
        "its shards' part"
    );
    let alone = Config::parse("", "c.toml").unwrap();
    assert_eq!(alone.discord.shards, None);
    assert_eq!(
        alone.discord.global_requests_per_sec(),
        50,
        "the whole limit"
    );
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
    let token = Token::resolve(Some(" Bot abc.def-0.g_h "), None).unwrap();
    assert_eq!(token.expose(), "abc.def-0.g_h");
    assert_eq!(format!("{token:?}"), "Token(***)");

    let dir = std::env::temp_dir().join(format!("faqbot-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "from.the.file\n").unwrap();
    assert_eq!(
        Token::resolve(None, Some(&file)).unwrap().expose(),
        "from.the.file"
    );
    assert_eq!(
        Token::resolve(Some(""), Some(&file)).unwrap().expose(),
        "from.the.file"
    );

    let missing = Token::resolve(None, None).unwrap_err().to_string();
    assert!(missing.contains("DISCORD_TOKEN"), "{missing}");
    let bad = Token::resolve(Some("two words"), None)
        .unwrap_err()
        .to_string();
    assert!(!bad.contains("two words"), "{bad}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn what_cannot_be_a_bot_token_is_refused_before_connecting() {
    for raw in [
        "abc",
        "abc.def",
        "a.b.c.d",
        "a..c",
        "abc.d=f.ghi",
        "tok.en.\u{e9}",
    ] {
        let refused = Token::resolve(Some(raw), None).unwrap_err().to_string();
        assert!(
            refused.contains("three parts separated by dots"),
            "{raw}: {refused}"
        );
        assert!(!refused.contains(raw), "{refused}");
    }
    assert!(
        Token::new("MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz_-0123").is_some()
    );
}

#[test]
fn names_match_ids_or_names_without_case_or_sigils() {
    assert!(Named::parse("#CIPP-issues").is(1, "cipp-issues"));
    assert!(Named::parse("112233").is(112233, "other"));
    assert!(!Named::parse("112233").is(1, "112233x"));
    assert!(Named::parse("@Moderator").is(7, "moderator"));
}

#[test]
fn servers_are_listed_with_their_own_settings_over_the_top_level() {
    let text = r#"
faq = "faq.toml"
[discord]
guild_id = "10"
[suggest]
channels = ["cipp-issues"]
cooldown_secs = 300
[moderators]
roles = ["Moderator"]

[[server]]
id = "20"
faq = "other.toml"
channels = ["help"]
moderator_roles = ["Helper"]
min_confidence = 0.7
"#;
    let config = Config::parse(text, "faqbot.toml").unwrap();
    assert_eq!(config.served(), Served::Listed(vec![10, 20]));
    let home = config.settings(10);
    assert_eq!(home.faq, PathBuf::from("faq.toml"));
    assert_eq!(home.suggest.channels, ["cipp-issues"]);
    let other = config.settings(20);
    assert_eq!(other.faq, PathBuf::from("other.toml"));
    assert_eq!(other.suggest.channels, ["help"]);
    assert_eq!(
        other.suggest.cooldown_secs, 300,
        "the top level's where it names none"
    );
    assert_eq!(other.suggest.min_confidence, Some(0.7));
    assert_eq!(other.moderator_roles, ["Helper"]);
    assert_eq!(
        config.faq_files(),
        [PathBuf::from("faq.toml"), PathBuf::from("other.toml")]
    );
    assert_eq!(
        Config::parse("", "faqbot.toml").unwrap().served(),
        Served::Every
    );

    // An unknown key, a duplicate id, a bad confidence: one positioned line each.
    let unknown = "[[server]]\nid = \"1\"\nchanels = [\"x\"]\n";
    let error = Config::parse(unknown, "faqbot.toml")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("faqbot.toml:3:"), "{error}");
    let twice = "[[server]]\nid = \"1\"\n\n[[server]]\nid = \"1\"\n";
    let error = Config::parse(twice, "faqbot.toml").unwrap_err().to_string();
    assert!(
        error.starts_with("faqbot.toml:5:") && error.contains("listed twice"),
        "{error}"
    );
    let bad = "[[server]]\nid = \"1\"\n\n[[server]]\nid = \"2\"\nmin_confidence = 3.0\n";
    let error = Config::parse(bad, "faqbot.toml").unwrap_err().to_string();
    assert!(error.starts_with("faqbot.toml:6:"), "{error}");
    assert_eq!(error.lines().count(), 1);
}
