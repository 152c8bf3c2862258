//! The store's commands through the binary: teaching from cases, exporting what was learned,
//! statistics, forgetting a user, and refusing a database from a newer faqbot.

use super::{faqbot, fixture, text};
use faqbot::faq::Faq;
use faqbot::ids::{ChannelId, GuildId, MessageId, UserId};
use faqbot::import::to_toml;
use faqbot::store::sqlite::Sqlite;
use faqbot::store::{Backend, Outcome, Record, Shown};

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("faqbot-cli-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn top1(args: &[&str]) -> f64 {
    let out = faqbot(args, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["top1"].as_f64().unwrap()
}

/// BANKING77 without its examples in faq.toml, the same examples imported as learned ones: the
/// matcher reaches what it reaches with them in faq.toml.
#[test]
fn imported_examples_teach_as_much_as_examples_in_the_faq() {
    let dir = temp_dir("learn");
    let full = fixture("banking77/faq.toml");
    let cases = fixture("banking77/cases.toml");
    let faq = Faq::load(&full).unwrap();
    let mut stripped = faq.clone();
    let mut taught = String::new();
    for entry in &mut stripped.entries {
        for example in entry.examples.drain(..) {
            let text = toml::Value::String(example).to_string();
            taught += &format!("[[case]]\ntext = {text}\nexpect = \"{}\"\n\n", entry.id);
        }
    }
    taught += "[[case]]\ntext = \"good morning\"\nexpect = \"none\"\n";
    let stripped_path = dir.join("stripped.toml");
    std::fs::write(&stripped_path, to_toml(&stripped)).unwrap();
    let taught_path = dir.join("taught.toml");
    std::fs::write(&taught_path, taught).unwrap();
    let db = dir.join("faqbot.db");
    let (stripped_s, db_s) = (stripped_path.to_str().unwrap(), db.to_str().unwrap());

    let import = [
        "examples",
        "import",
        taught_path.to_str().unwrap(),
        "--faq",
        stripped_s,
        "--db",
        db_s,
    ];
    let out = faqbot(&import, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("added 770 learned examples"), "{said}");
    assert!(said.contains("1 \"none\" cases skipped"), "{said}");
    // Importing again adds nothing.
    let again = text(&faqbot(&import, "").stdout);
    assert!(
        again.contains("added 0 learned examples (770 already there"),
        "{again}"
    );

    let cases = cases.to_str().unwrap();
    let reference = top1(&["eval", "--json", "--faq", full.to_str().unwrap(), cases]);
    let without = top1(&["eval", "--json", "--faq", stripped_s, cases]);
    let learned = top1(&["eval", "--json", "--faq", stripped_s, "--db", db_s, cases]);
    assert!(
        (learned - reference).abs() <= 0.01,
        "learned {learned}, in faq.toml {reference}"
    );
    assert!(
        learned > without + 0.2,
        "learned {learned}, without {without}"
    );

    // Exported for review: valid TOML with the examples per entry.
    let out = faqbot(&["examples", "export", "--db", db_s], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exported: toml::Value = toml::from_str(&text(&out.stdout)).expect("exported TOML parses");
    let entries = exported["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 77);
    assert_eq!(entries[0]["examples"].as_array().unwrap().len(), 10);
}

/// `examples import` keeps what the bot's config allows per entry, as links in the bot do.
#[test]
fn import_keeps_the_configured_number_of_examples_per_entry() {
    let dir = temp_dir("cap");
    let cases = dir.join("cases.toml");
    let taught: String = (1..=5)
        .map(|n| format!("[[case]]\ntext = \"the dashboard shows error 500 number {n}\"\nexpect = \"500-error\"\n\n"))
        .collect();
    std::fs::write(&cases, taught).unwrap();
    let config = dir.join("faqbot.toml");
    std::fs::write(&config, "[store]\nmax_examples_per_entry = 2\n").unwrap();
    let db = dir.join("faqbot.db");
    let (db_s, cases_s) = (db.to_str().unwrap(), cases.to_str().unwrap());
    let out = faqbot(
        &[
            "examples",
            "import",
            cases_s,
            "--db",
            db_s,
            "--config",
            config.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let kept = Sqlite::open(&db).unwrap().examples(None).unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    // Without a config the default cap (200) holds: all five are kept.
    let db2 = dir.join("default.db");
    let out = faqbot(
        &["examples", "import", cases_s, "--db", db2.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(Sqlite::open(&db2).unwrap().examples(None).unwrap().len(), 5);
}

#[test]
fn import_refuses_cases_for_entries_the_faq_lacks() {
    let dir = temp_dir("unknown");
    let cases = dir.join("cases.toml");
    std::fs::write(
        &cases,
        "[[case]]\ntext = \"x\"\nexpect = \"no-such-entry\"\n",
    )
    .unwrap();
    let db = dir.join("faqbot.db");
    let out = faqbot(
        &[
            "examples",
            "import",
            cases.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no-such-entry"), "{err}");
}

#[test]
fn stats_print_and_write_a_page_and_forget_removes_a_user() {
    let dir = temp_dir("stats");
    let db = dir.join("faqbot.db");
    let store = Sqlite::open(&db).unwrap();
    let now = faqbot::time::now_ms();
    let shown = |reply, user| Record::Shown {
        at_ms: now - 1000,
        how: Shown::Auto,
        guild: Some(GuildId(1)),
        channel: ChannelId(2),
        message: Some(MessageId(reply + 100)),
        user: Some(UserId(user)),
        entry: "500-error".into(),
        score: Some(0.7),
        reply: MessageId(reply),
    };
    store
        .write(&[
            shown(1, 7),
            shown(2, 8),
            Record::Outcome {
                reply: MessageId(1),
                outcome: Outcome::Solved,
            },
            Record::Unmatched {
                at_ms: now - 1000,
                guild: Some(GuildId(1)),
                channel: ChannelId(2),
                message: MessageId(5),
                user: UserId(8),
                text: "how do I rename a tenant in the portal".into(),
            },
        ])
        .unwrap();
    drop(store);
    let page = dir.join("stats.html");
    let (db_s, page_s) = (db.to_str().unwrap(), page.to_str().unwrap());
    let out = faqbot(
        &["stats", "--db", db_s, "--days", "7", "--html", page_s],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("the last 7 days"), "{printed}");
    assert!(printed.contains("500-error"), "{printed}");
    assert!(printed.contains("100%"), "{printed}");
    assert!(printed.contains("rename a tenant"), "{printed}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<svg") && html.contains("500-error"),
        "{html}"
    );

    let out = faqbot(&["forget", "--db", db_s, "--user", "8"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 events, 0 examples, 1 unmatched"),
        "{}",
        text(&out.stdout)
    );
    let after = text(&faqbot(&["stats", "--db", db_s], "").stdout);
    assert!(!after.contains("rename a tenant"), "{after}");
}

#[test]
fn a_missing_or_newer_database_is_a_one_line_error_and_left_alone() {
    let dir = temp_dir("newer");
    let missing = dir.join("missing.db");
    let out = faqbot(&["stats", "--db", missing.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no database at"),
        "{}",
        text(&out.stderr)
    );
    assert!(!missing.exists());

    let db = dir.join("faqbot.db");
    drop(Sqlite::open(&db).unwrap());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 42).unwrap();
    drop(conn);
    let out = faqbot(&["stats", "--db", db.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("newer faqbot"), "{err}");
    assert_eq!(faqbot::store::sqlite::schema_version(&db), Some(42));
}

/// A database of several servers: the store's commands ask which one (one line, exit 1), and with
/// `--server` act on that server's examples and records only; a database of one needs no flag.
#[test]
fn a_database_of_several_servers_needs_server_and_keeps_them_apart() {
    let dir = temp_dir("servers");
    let cases = dir.join("cases.toml");
    let case = |text: &str| format!("[[case]]\ntext = \"{text}\"\nexpect = \"500-error\"\n\n");
    std::fs::write(&cases, case("the dashboard shows error 500 every time")).unwrap();
    let db = dir.join("faqbot.db");
    let (db_s, cases_s) = (db.to_str().unwrap(), cases.to_str().unwrap());
    let import = |server: &str| {
        let out = faqbot(
            &[
                "examples", "import", cases_s, "--db", db_s, "--server", server,
            ],
            "",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    import("1");
    // One server in the database: it is the one, without --server.
    let out = faqbot(&["examples", "export", "--db", db_s], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("error 500 every time"));

    std::fs::write(&cases, case("the tenant list is empty after login")).unwrap();
    import("2");
    for command in [&["examples", "export"][..], &["stats"][..]] {
        let mut args = command.to_vec();
        args.extend(["--db", db_s]);
        let out = faqbot(&args, "");
        assert_eq!(out.status.code(), Some(1), "{command:?}");
        let said = text(&out.stderr);
        assert_eq!(said.trim().lines().count(), 1, "{said}");
        assert!(
            said.contains("holds 2 servers (1, 2): pass --server ID"),
            "{said}"
        );
    }
    let export = |server: &str| {
        let out = faqbot(
            &["examples", "export", "--db", db_s, "--server", server],
            "",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let (one, two) = (export("1"), export("2"));
    assert!(
        one.contains("every time") && !one.contains("tenant list"),
        "{one}"
    );
    assert!(
        two.contains("tenant list") && !two.contains("every time"),
        "{two}"
    );
}
