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
                "representative"
            ],
            "{gap}"
        );
        assert!(gap["closest"].is_null(), "no CIPP entry is close: {gap}");
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
