//! `faqbot demo --script`: every command prints an outcome, as a member and as a moderator, and
//! the README's transcript is what the demo really prints.

use super::{faqbot, fixture, text, ROOT};

/// The output after the greeting, as (command line, what followed it) pairs.
fn steps(output: &str) -> Vec<(String, String)> {
    let mut steps: Vec<(String, String)> = Vec::new();
    for line in output.lines() {
        let is_prompt = ["alice", "bob", "mod", "newbie", "otherbot"]
            .iter()
            .any(|who| line.starts_with(&format!("{who}> ")));
        if is_prompt {
            steps.push((line.to_owned(), String::new()));
        } else if let Some((_, outcome)) = steps.last_mut() {
            outcome.push_str(line);
            outcome.push('\n');
        }
    }
    steps
}

#[test]
fn every_demo_command_prints_an_outcome() {
    let script = fixture("demo-tour.txt");
    let db = std::env::temp_dir().join(format!("faqbot-demo-tour-{}.db", std::process::id()));
    let db_s = db.to_str().unwrap();
    let out = faqbot(
        &["demo", "--script", script.to_str().unwrap(), "--db", db_s],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let output = text(&out.stdout);
    let steps = steps(&output);
    let commands = std::fs::read_to_string(&script).unwrap();
    let expected = commands
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(steps.len(), expected, "{output}");
    for (command, outcome) in &steps {
        if command.ends_with("> /quit") {
            continue;
        }
        assert!(
            !outcome.trim().is_empty(),
            "no outcome for {command:?}:\n{output}"
        );
    }
    let outcome_of = |command: &str, nth: usize| -> &str {
        &steps
            .iter()
            .filter(|(c, _)| c == command)
            .nth(nth)
            .unwrap_or_else(|| panic!("no {command:?} in:\n{output}"))
            .1
    };
    let asked = "I keep getting a 500 error when I open the dashboard";
    assert!(outcome_of(&format!("alice> {asked}"), 0).starts_with("faqbot (replying to @alice):"));
    assert!(outcome_of("alice> /click Solved it", 0).contains("✅ Solved, says @alice"));
    assert!(outcome_of("alice> /click Solved it", 1).contains("no button \"Solved it\""));
    assert!(outcome_of("alice> how do I paint my bicycle purple", 0).contains("stays quiet"));
    assert!(outcome_of("alice> /faq cost user:bob", 0).contains("FAQ for @bob"));
    assert!(outcome_of("alice> /faq 500-error private:true", 0).contains("only you can see this"));
    assert!(outcome_of("alice> /faq", 0).contains("start typing in the `entry` field"));
    assert!(outcome_of("alice> /faq", 0).contains("/entries [WORDS]"));
    assert!(!outcome_of("alice> /faq nonsense", 0).contains("Did you mean"));
    assert!(outcome_of("bob> /click Not it", 0).contains("removed the suggestion"));
    // The quiet reason is the real one: the "Not it", not a confidence below the threshold.
    let again = outcome_of("bob> how much does it cost to run cipp every month", 1);
    assert!(again.contains("said \"Not it\""), "{again}");
    assert!(outcome_of("bob> /click Dismiss", 0).contains("no post with buttons left"));
    assert!(
        outcome_of("bob> the function app answers with 500 errors", 0)
            .contains("s of cooldown left")
    );
    assert!(
        outcome_of(&format!("mod> {asked}"), 0).contains("moderators get no unasked suggestions")
    );
    assert!(
        outcome_of("bob> the gizmotron widget keeps flickering on my tablet", 0)
            .contains("below 0.700")
    );
    assert!(outcome_of("bob> /answer", 0).contains("Only moderators"));
    assert!(outcome_of("mod> /answer", 0).contains("entries to pick:"));
    let offered = outcome_of("alice> /entries cost", 0);
    assert!(offered.contains("the `entry` field offers"), "{offered}");
    assert!(!offered.contains("offers 1 entries"), "{offered}");
    let clicked = outcome_of("mod> /click Search all entries", 0);
    assert!(
        clicked.contains("(on faqbot's post") && clicked.contains("/search WORDS"),
        "{clicked}"
    );
    // The form says what it does with a name and with words.
    assert!(
        clicked.contains("A name (500-error) links that entry at once; other words list"),
        "{clicked}"
    );
    assert!(outcome_of("mod> /pick", 0).contains("usage: /pick ENTRY"));
    assert!(outcome_of("mod> /search function app down", 0).contains("entries to pick: 500-error"));
    assert!(outcome_of("bob> /pick cost", 0).contains("Only moderators"));
    assert!(outcome_of("mod> /pick cost", 0).contains("Linked by @mod"));
    assert!(outcome_of("mod> /pick cost", 1).contains("used already"));
    // A newer suggestion came after the link: /click finds the post that has the button.
    assert!(
        outcome_of("bob> redeploying CIPP fails and asks for a GitHub token", 0)
            .starts_with("faqbot (replying to @bob):")
    );
    assert!(outcome_of("mod> /click Undo link", 0).contains("Link undone"));
    assert!(outcome_of("mod> /faq-admin unlink", 0).contains("Nothing was linked there"));
    assert!(outcome_of("mod> /faq-admin status", 0).contains("Watched channels: #cipp-issues"));
    assert!(outcome_of("mod> /faq-admin stats 7", 0).contains("`cost`: shown"));
    assert!(outcome_of("mod> /faq-admin gaps 7", 0).contains("What the FAQ lacks, the last 7 days"));
    assert!(outcome_of("mod> /faq-admin reload", 0).contains("Reloaded"));
    assert!(outcome_of("newbie> /faq-admin status", 0).contains("Only moderators"));
    assert!(outcome_of(&format!("otherbot> {asked}"), 0).contains("the author is a bot"));
    assert!(outcome_of("otherbot> /as nobody", 0).contains("no one called"));
    assert!(outcome_of("otherbot> /bogus", 0).contains("unknown command /bogus"));
    assert!(!output.contains("<@"), "names, not raw mentions: {output}");
    // The session is kept: its statistics show what the tour did.
    assert!(
        output.contains(&format!("The session is recorded in {db_s}")),
        "{output}"
    );
    // The closing line names the program as it can be run from here: not on PATH, by its path.
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_faqbot"))
        .canonicalize()
        .unwrap();
    let root = std::path::Path::new(ROOT).canonicalize().unwrap();
    let program = match exe.strip_prefix(&root) {
        Ok(relative) => format!("./{}", relative.display()),
        Err(_) => exe.display().to_string(),
    };
    assert!(
        output.contains(&format!("`{program} stats --db {db_s} --html stats.html`")),
        "{program}: {output}"
    );
    let stats = faqbot(&["stats", "--db", db_s], "");
    assert!(stats.status.success(), "{}", text(&stats.stderr));
    let printed = text(&stats.stdout);
    assert!(
        printed.contains("500-error") && printed.contains("cost"),
        "{printed}"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db_s}{suffix}"));
    }
}

/// The README's quick start shows a transcript; it is run here, so it cannot drift.
#[test]
fn the_readme_transcript_is_what_the_demo_prints() {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    let start = readme
        .find("<!-- demo transcript -->")
        .expect("a transcript in the README");
    let block = &readme[start..];
    let block = &block[block.find("```text\n").unwrap() + 8..];
    let transcript = &block[..block.find("```").unwrap()];
    let commands: Vec<&str> = transcript
        .lines()
        .filter_map(|l| l.split_once("> ").filter(|(who, _)| !who.contains(' ')))
        .map(|(_, command)| command)
        .collect();
    assert!(commands.len() >= 4, "{transcript}");
    let script = std::env::temp_dir().join(format!("faqbot-readme-{}.txt", std::process::id()));
    std::fs::write(&script, commands.join("\n")).unwrap();
    let db = std::env::temp_dir().join(format!("faqbot-readme-{}.db", std::process::id()));
    let out = faqbot(
        &[
            "demo",
            "--script",
            script.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        "",
    );
    let _ = std::fs::remove_file(&db);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let output = text(&out.stdout);
    let first = transcript.lines().next().unwrap();
    let printed = &output[output.find(first).expect("the first command echoed")..];
    let printed = &printed[..printed.find("\nstopping the bot").unwrap_or(printed.len())];
    assert_eq!(printed.trim_end(), transcript.trim_end());
}
