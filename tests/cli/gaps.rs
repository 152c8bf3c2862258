//! `faqbot gaps`: a file of messages grouped into gaps (JSON and drafts), and the questions the
//! bot recorded as unmatched in its database, read back as gaps with their links.

use super::{faqbot, temp_file, text};

const MESSAGES: &str = "\
how do I reset my password
the password reset email never arrives

I forgot my password and the reset link is broken
password reset does not work
my card was declined
why is my card declined
card declined again
the card got declined at the shop
good morning everyone
";

#[test]
fn a_file_of_messages_becomes_gaps_in_json() {
    let file = temp_file("gaps-messages.txt", MESSAGES);
    let out = faqbot(
        &[
            "gaps",
            "--no-model",
            "--json",
            "--messages",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let gaps = found["gaps"].as_array().expect("a list of gaps");
    assert_eq!(gaps.len(), 2, "{found}");
    for gap in gaps {
        let keys: Vec<&str> = gap
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "askers",
                "closest",
                "count",
                "label",
                "members",
                "page",
                "representative"
            ],
            "{gap}"
        );
        assert!(gap["closest"].is_null(), "no CIPP entry is close: {gap}");
        assert!(gap["page"].is_null(), "a file has no staff answers: {gap}");
        assert_eq!(gap["count"], gap["members"].as_array().unwrap().len());
    }
    // Members are 0-based line numbers of the file (the blank line counts).
    let card = gaps
        .iter()
        .find(|g| g["label"].as_str().unwrap().contains("card"))
        .unwrap();
    assert_eq!(card["members"], serde_json::json!([5, 6, 7, 8]));
    assert!(card["representative"].as_str().unwrap().contains("card"));
    let password = gaps
        .iter()
        .find(|g| g["label"].as_str().unwrap().contains("password"));
    assert!(password.is_some(), "{found}");
    assert!(found["noise"].as_u64().unwrap() >= 1, "{found}");
    assert_eq!(found["pages"], serde_json::json!([]));
}

#[test]
fn drafts_pass_check_once_their_answers_are_written() {
    let file = temp_file("gaps-drafts.txt", MESSAGES);
    let out = faqbot(
        &[
            "gaps",
            "--no-model",
            "--draft",
            "--messages",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let drafts = text(&out.stdout);
    assert_eq!(drafts.matches("[[entry]]").count(), 2, "{drafts}");
    let draft_file = temp_file("gaps-drafts.toml", &drafts);
    let refused = faqbot(&["check", draft_file.to_str().unwrap()], "");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("still starts with TODO"),
        "{}",
        text(&refused.stderr)
    );
    let written = drafts.replace("TODO: write the answer", "Here is the answer");
    let reviewed = temp_file("gaps-reviewed.toml", &written);
    let checked = faqbot(&["check", reviewed.to_str().unwrap()], "");
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    assert!(
        text(&checked.stdout).contains("ok, 2 entries"),
        "{}",
        text(&checked.stdout)
    );
}

/// The bot records what matched nothing; `gaps --db` groups it, with who asked and links.
#[test]
fn the_bots_unmatched_questions_are_read_back_as_gaps() {
    let script = temp_file(
        "gaps-demo.txt",
        "how do I paint my bicycle purple\n\
         how do I paint my bicycle frame purple\n\
         /as bob\n\
         can I paint my bicycle purple myself\n\
         the weather is lovely in lisbon today\n\
         /quit\n",
    );
    let db = script.with_file_name("gaps-demo.db");
    let db_s = db.to_str().unwrap();
    let out = faqbot(
        &["demo", "--script", script.to_str().unwrap(), "--db", db_s],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = faqbot(&["gaps", "--no-model", "--db", db_s], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.starts_with("1 gaps in 4 unmatched questions of the last 30 days"),
        "{report}"
    );
    assert!(report.contains("3 questions from 2 members"), "{report}");
    assert!(report.contains("https://discord.com/channels/"), "{report}");
    assert!(report.contains("No entry is close: write one"), "{report}");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db_s}{suffix}"));
    }
}

const DOCS_FAQ: &str = r#"
[[entry]]
id = "setup"
question = "How do I set it up?"
answer = "Follow the guide."
link = "https://docs.example.org/setup/guide"
"#;

/// A database with a gap whose questions the staff answered with a page, another page the staff
/// answered with, and a page an entry links now; and the docs tree those pages come from.
fn staff_pages_db(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    use faqbot::ids::{ChannelId, GuildId, MessageId, UserId};
    use faqbot::store::{Backend, Record, StaffPage, Unmatched};
    let db = std::env::temp_dir().join(format!("faqbot-{name}-{}.db", std::process::id()));
    let store = faqbot::store::sqlite::Sqlite::open(&db).unwrap();
    let day_ago = faqbot::time::now_ms() - faqbot::time::DAY_MS;
    let question = |message: u64, user: u64, text: &str| Unmatched {
        at_ms: day_ago + message,
        channel: ChannelId(5),
        message: MessageId(message),
        user: UserId(user),
        text: text.into(),
    };
    let asked = [
        (11, 1, "how do I paint my bicycle purple"),
        (12, 2, "how do I paint my bicycle frame purple"),
        (13, 3, "can I paint my bicycle purple myself"),
    ];
    let mut records: Vec<Record> = asked
        .iter()
        .map(|&(message, user, text)| {
            let q = question(message, user, text);
            Record::Unmatched {
                at_ms: q.at_ms,
                guild: Some(GuildId(1)),
                channel: q.channel,
                message: q.message,
                user: q.user,
                text: q.text,
            }
        })
        .collect();
    let answered = [
        (
            11,
            1,
            "how do I paint my bicycle purple",
            "https://docs.example.org/paint/bicycles",
        ),
        (
            12,
            2,
            "how do I paint my bicycle frame purple",
            "https://docs.example.org/paint/bicycles",
        ),
        (
            21,
            4,
            "where are my backups kept and how do I restore one",
            "https://docs.example.org/setup/backup#restore",
        ),
        (
            22,
            5,
            "restoring a backup from last week, how?",
            "https://docs.example.org/setup/backup#restore",
        ),
        (
            23,
            6,
            "how do I set this thing up from scratch",
            "https://docs.example.org/setup/guide",
        ),
    ];
    records.extend(answered.iter().map(|&(message, user, text, page)| {
        Record::StaffPage(StaffPage {
            guild: Some(GuildId(1)),
            page: page.into(),
            question: question(message, user, text),
            reply: MessageId(message + 100),
            by: UserId(50),
        })
    }));
    store.write(&records).unwrap();
    let root = db.with_extension("docs");
    std::fs::create_dir_all(root.join("paint")).unwrap();
    std::fs::create_dir_all(root.join("setup")).unwrap();
    std::fs::write(
        root.join("paint/bicycles.md"),
        "# Painting bicycles\n\nSand the frame, then use a primer before the colour.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("setup/backup.md"),
        "# Backups\n\nBackups run nightly.\n\n## Restore\n\nOpen Backups, pick one and press Restore.\n",
    )
    .unwrap();
    (db, root)
}

/// Pages the staff answered with that no entry links are gaps of their own, and the page of a
/// gap's answers is its draft's link; drafts take the page's text from the docs tree.
#[test]
fn the_staffs_pages_no_entry_links_are_listed_and_drafted_from_the_docs() {
    let (db, root) = staff_pages_db("staff-pages");
    let faq = temp_file("staff-pages-faq.toml", DOCS_FAQ);
    let base = [
        "gaps",
        "--no-model",
        "--db",
        db.to_str().unwrap(),
        "--faq",
        faq.to_str().unwrap(),
    ];
    let out = faqbot(&base, "");
    let report = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        report.contains("The staff answered 2 of these with https://docs.example.org/paint/bicycles, which no entry links."),
        "{report}"
    );
    assert!(
        report.contains("Docs pages the staff answered with that no entry links:"),
        "{report}"
    );
    assert!(
        report.contains("The staff answered 2 questions with https://docs.example.org/setup/backup#restore; no entry links it.\n   Asked by 2 members"),
        "{report}"
    );
    assert!(
        !report.contains("setup/guide"),
        "an entry links it: {report}"
    );
    // The bot's config says the same: its database, FAQ and model folder.
    let config = temp_file(
        "staff-pages-faqbot.toml",
        &format!(
            "faq = {:?}\n[store]\npath = {:?}\n[matcher.model]\ndir = \"no-model-here\"\n",
            faq.to_str().unwrap(),
            db.to_str().unwrap()
        ),
    );
    let config = config.to_str().unwrap();
    let out = faqbot(&["gaps", "--config", config], "");
    assert_eq!(text(&out.stdout), report, "{}", text(&out.stderr));
    let out = faqbot(&["gaps", "--config", config, "--db", "other.db"], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );

    let out = faqbot(&[&base[..], &["--json"]].concat(), "");
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        found["gaps"][0]["page"],
        "https://docs.example.org/paint/bicycles"
    );
    let pages: Vec<&str> = found["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["page"].as_str().unwrap())
        .collect();
    assert_eq!(pages.len(), 2, "{found}");
    assert!(pages.contains(&"https://docs.example.org/setup/backup#restore"));
    let backup = &found["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["page"].as_str().unwrap().contains("backup"))
        .unwrap();
    assert_eq!(backup["members"], serde_json::json!([21, 22]));

    let docs = [
        "--draft",
        "--root",
        root.to_str().unwrap(),
        "--site",
        "https://docs.example.org",
    ];
    let out = faqbot(&[&base[..], &docs].concat(), "");
    let drafts = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The bicycles page is the gap's draft's link: drafted once.
    assert_eq!(drafts.matches("[[entry]]").count(), 2, "{drafts}");
    assert!(
        drafts.contains("use a primer before the colour"),
        "{drafts}"
    );
    assert!(
        drafts.contains("link = \"https://docs.example.org/paint/bicycles\""),
        "{drafts}"
    );
    assert!(drafts.contains("press Restore"), "{drafts}");
    assert!(
        !drafts.contains("nightly"),
        "the section the link names: {drafts}"
    );
    assert!(!drafts.contains("TODO"), "{drafts}");
    assert!(drafts.contains("id = \"backup-restore\""), "{drafts}");
    let draft_file = temp_file("staff-pages-drafts.toml", &drafts);
    let checked = faqbot(&["check", draft_file.to_str().unwrap()], "");
    assert!(
        checked.status.success(),
        "drafts from the docs pass check: {}",
        text(&checked.stdout)
    );
    for path in [
        db.clone(),
        db.with_extension("db-wal"),
        db.with_extension("db-shm"),
    ] {
        let _ = std::fs::remove_file(path);
    }
    let _ = std::fs::remove_dir_all(root);
}

/// The statistics page has the gaps too, each with its questions a day drawn on one scale; without
/// a FAQ it says how to see them.
#[test]
fn the_statistics_page_shows_each_gap_with_a_chart_over_the_days() {
    let (db, root) = staff_pages_db("stats-gaps");
    let faq = temp_file("stats-gaps-faq.toml", DOCS_FAQ);
    let page = db.with_extension("html");
    let (db_s, page_s) = (db.to_str().unwrap(), page.to_str().unwrap());
    let args = ["stats", "--db", db_s, "--html", page_s, "--no-model"];
    let out = faqbot(&[&args[..], &["--faq", faq.to_str().unwrap()]].concat(), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    let gaps = &html[html.find("<h2>Gaps").expect("a gaps section")..];
    assert!(gaps.contains("<h3>bicycle paint purple</h3>"), "{gaps}");
    assert!(
        gaps.contains("3 questions from 3 members (0 in the 30 days before)"),
        "{gaps}"
    );
    assert!(gaps.contains("write one for that page"), "{gaps}");
    assert!(
        gaps.contains("Docs pages the staff answered with that no entry links"),
        "{gaps}"
    );
    // Yesterday's bar of the gap (3 questions) is the tallest: full height; the pages' are lower.
    assert!(
        gaps.contains("height=\"40.0\" fill=\"#c05621\"><title>3</title>"),
        "{gaps}"
    );
    assert!(gaps.contains("<title>2</title>"), "{gaps}");
    assert!(gaps.contains("the tallest bar is 3"), "{gaps}");

    let out = faqbot(&[&args[..], &["--faq", "nothere.toml"]].concat(), "");
    assert!(out.status.success(), "the statistics are still written");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("No gaps: "), "{html}");
    assert!(html.contains("pass --faq with the bot"), "{html}");
    for path in [
        db.clone(),
        page,
        db.with_extension("db-wal"),
        db.with_extension("db-shm"),
    ] {
        let _ = std::fs::remove_file(path);
    }
    let _ = std::fs::remove_dir_all(root);
}
