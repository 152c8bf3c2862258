//! The command-line contract: exit codes, one-line errors and the exact output forms other tools read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod demo;
mod docs;
mod gaps;
mod store;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A test fixture vendored under tests/fixtures.
pub fn fixture(path: &str) -> PathBuf {
    Path::new(ROOT).join("tests/fixtures").join(path)
}

fn faqbot(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faqbot"))
        .args(args)
        .current_dir(ROOT)
        .env_remove("FAQBOT_FAQ")
        .env_remove("FAQBOT_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the faqbot binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faqbot-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn check_accepts_the_shipped_faq() {
    let out = faqbot(&["check"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "faq.toml: ok, 10 entries, 38 keywords, 45 examples\n"
    );
}

/// `check --config` reads the config and checks every FAQ it names, each server's own too.
#[test]
fn check_with_a_config_checks_every_faq_it_names() {
    let broken = temp_file("server-faq.toml", "[[entry]]\nid = \"x\"\n");
    let config = temp_file(
        "servers.toml",
        &format!(
            "faq = \"{ROOT}/faq.toml\"\n[[server]]\nid = \"1\"\nfaq = \"{}\"\n",
            broken.display()
        ),
    );
    let out = faqbot(&["check", "--config", config.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stdout);
    assert!(said.contains("servers.toml: ok"), "{said}");
    assert!(said.contains("faq.toml: ok, 10 entries"), "{said}");
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{}: 2 problems", broken.display())),
        "{err}"
    );
    // A config that does not parse is its one line.
    let bad = temp_file("bad-servers.toml", "[[server]]\nid = \"1\"\nchanels = []\n");
    let out = faqbot(&["check", "--config", bad.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("bad-servers.toml:3:1"), "{err}");
}

#[test]
fn check_reports_every_problem_and_fails() {
    let path = temp_file(
        "bad.toml",
        "[[entry]]\nid = \"a\"\nquestion = \"q\"\nanswer = \"\"\n\n[[entry]]\nid = \"a\"\nquestion = \"q\"\nanswer = \"x\"\nurl = \"https://x.org\"\n",
    );
    let out = faqbot(&["check", "--faq", path.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    let p = path.display();
    assert_eq!(lines[0], format!("{p}:4:10: `answer` is empty"));
    assert_eq!(
        lines[1],
        format!("{p}:7:6: duplicate id or alias `a`: already used at line 2")
    );
    assert!(lines[2].starts_with(&format!("{p}:10:1: unknown key `url` in [[entry]]")));
    assert_eq!(lines[3], format!("{p}: 3 problems"));
}

#[test]
fn the_faq_path_comes_from_faqbot_faq_when_no_flag_is_given() {
    let path = temp_file(
        "env.toml",
        "[[entry]]\nid = \"only\"\nquestion = \"How do I reset my password?\"\nanswer = \"Click reset.\"\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_faqbot"))
        .args(["match", "--json", "reset my password"])
        .current_dir(ROOT)
        .env("FAQBOT_FAQ", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["matches"][0]["id"], "only");
}

#[test]
fn a_broken_faq_for_match_names_the_first_problem_and_check() {
    let path = temp_file("broken-faq.toml", "[[entry]]\nid = \"x\"\n");
    let out = faqbot(&["match", "--faq", path.to_str().unwrap(), "hi"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("is not a valid FAQ (2 problems), first: "),
        "{err}"
    );
    assert!(err.contains("run `faqbot check --faq"), "{err}");
}

#[test]
fn a_missing_faq_is_one_line_and_exit_1() {
    for args in [
        &["check", "--faq", "nope.toml"][..],
        &["check", "nope.toml"],
        &["match", "--faq", "nope.toml", "hi"],
    ] {
        let out = faqbot(args, "");
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: cannot read FAQ file nope.toml"),
            "{err}"
        );
        // A path was given: no advice to give one.
        assert!(!err.contains("--faq PATH"), "{err}");
    }
    // None was given, and the default is not there: how to name one.
    let empty = temp_file("nothing-here", "").with_file_name("");
    let out = Command::new(env!("CARGO_BIN_EXE_faqbot"))
        .args(["match", "hi"])
        .current_dir(&empty)
        .env_remove("FAQBOT_FAQ")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: cannot read FAQ file faq.toml")
            && err.contains("(pass --faq PATH or set FAQBOT_FAQ)"),
        "{err}"
    );
}

#[test]
fn match_for_people_shows_the_answer_and_candidates() {
    let out = faqbot(&["match", "I'm", "getting", "a", "500", "error"], "");
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("The bot would answer with `500-error`"),
        "{stdout}"
    );
    assert!(stdout.contains("A 500 error is a generic server error."));
    assert!(stdout.contains("Read in the docs: https://cipp.app/docs/general/faq/#500-error"));
    assert!(stdout.contains("Candidates (confidence, entry, question):"));

    // A quiet decision says why, with the figures that decided it.
    let out = faqbot(&["match", "how do I change the colour of the sidebar"], "");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("The bot would stay quiet: the best entry"),
        "{stdout}"
    );
    assert!(stdout.contains("below min_confidence 0.700"), "{stdout}");
    // The figures behind it in words a user has, not "lead" and "coverage".
    assert!(stdout.contains("above the next entry's"), "{stdout}");
    assert!(stdout.contains("% of the message's words"), "{stdout}");
    assert!(!stdout.contains("(lead "), "{stdout}");
}

#[test]
fn match_json_is_one_object_per_stdin_line() {
    let out = faqbot(
        &["match", "--json"],
        "Request failed with status code 400\nlol\n\u{1F525}\u{1F525} \u{0}\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["text"], "Request failed with status code 400");
    assert_eq!(lines[0]["suggest"], "400-error");
    assert_eq!(lines[0]["matches"][0]["id"], "400-error");
    let matches = lines[0]["matches"].as_array().unwrap();
    assert!(matches.len() <= 5);
    let scores: Vec<f64> = matches
        .iter()
        .map(|m| m["signals"]["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    for m in matches {
        let confidence = m["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&confidence), "{m}");
        for key in ["lexical", "meaning", "lead", "coverage", "words", "texts"] {
            assert!(m["signals"][key].is_number(), "{key} in {m}");
        }
    }
    assert!(
        matches[0]["confidence"].as_f64().unwrap() >= 0.75,
        "{}",
        matches[0]
    );
    assert_eq!(lines[1]["suggest"], serde_json::Value::Null);
    assert_eq!(lines[2]["matches"].as_array().unwrap().len(), 0);
}

#[test]
fn eval_on_the_dev_cases_meets_the_targets() {
    let cases = fixture("dev.toml");
    let out = faqbot(&["eval", "--json", cases.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["cases"], 90);
    let figure = |k: &str| r[k].as_f64().unwrap();
    assert!(figure("top1") >= 0.95, "{r}");
    assert!(figure("precision") >= 0.95, "{r}");
    assert!(figure("recall") >= 0.75, "{r}");
    assert!(figure("false_rate") <= 0.05, "{r}");
}

#[test]
fn eval_holds_out_entries_and_draws_the_curve() {
    let faq = fixture("banking77/faq.toml");
    let cases = fixture("banking77/cases.toml");
    let (faq, cases) = (faq.to_str().unwrap(), cases.to_str().unwrap());
    let args = [
        "eval",
        "--json",
        "--curve",
        "--faq",
        faq,
        "--hold-out",
        "1",
        "--hold-out",
        "2",
        "--hold-out",
        "3",
        cases,
    ];
    let out = faqbot(&args, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // A third of 770 cases per seed become `none`.
    assert_eq!(r["nones"], 3 * 260);
    let figure = |k: &str| r[k].as_f64().unwrap();
    // The figures of the README's calibration table; a regression shows here.
    assert!(figure("precision") >= 0.82, "{r}");
    assert!(figure("recall") >= 0.50, "{r}");
    assert!(figure("false_rate") <= 0.18, "{r}");
    let curve = r["curve"].as_array().unwrap();
    assert_eq!(curve.len(), 19);
    let recall: Vec<f64> = curve
        .iter()
        .map(|p| p["recall"].as_f64().unwrap())
        .collect();
    assert!(
        recall.windows(2).all(|w| w[0] >= w[1]),
        "recall falls as min_confidence rises"
    );

    let page = std::env::temp_dir().join(format!("faqbot-eval-{}.html", std::process::id()));
    let out = faqbot(
        &[
            "eval",
            "--curve",
            "--html",
            page.to_str().unwrap(),
            "--faq",
            faq,
            cases,
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("<- nearest the current setting"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<polyline") && html.contains("Wrong cases"),
        "{html}"
    );
}

#[test]
fn eval_set_changes_a_parameter_and_refuses_unknown_ones() {
    let cases = fixture("banking77/cases.toml");
    let faq = fixture("banking77/faq.toml");
    let (faq, cases) = (faq.to_str().unwrap(), cases.to_str().unwrap());
    let quiet = faqbot(
        &[
            "eval",
            "--json",
            "--set",
            "min_confidence=1.01",
            "--faq",
            faq,
            cases,
        ],
        "",
    );
    let r: serde_json::Value = serde_json::from_slice(&quiet.stdout).unwrap();
    assert_eq!(r["recall"], 0.0, "{r}");
    let out = faqbot(&["eval", "--set", "nonsense=1", "--faq", faq, cases], "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("the parameters are"), "{err}");
}

#[test]
fn eval_on_banking77_does_not_regress() {
    let faq = fixture("banking77/faq.toml");
    let cases = fixture("banking77/cases.toml");
    let out = faqbot(
        &[
            "eval",
            "--json",
            "--faq",
            faq.to_str().unwrap(),
            cases.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 0.722 with words alone, 0.761 with the word-piece vectors added; see the README.
    assert!(r["top1"].as_f64().unwrap() >= 0.75, "{r}");
}

#[test]
fn eval_for_people_lists_wrong_cases() {
    let cases = temp_file(
        "cases.toml",
        "[[case]]\ntext = \"how much does cipp cost per month\"\nexpect = \"cost\"\n\n[[case]]\ntext = \"how much does cipp cost per month\"\nexpect = \"lockdown\"\n",
    );
    let out = faqbot(&["eval", cases.to_str().unwrap()], "");
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("top-1                  0.500"), "{stdout}");
    assert!(stdout.contains("wrong best entry (1):"), "{stdout}");
    assert!(stdout.contains("expect lockdown"));
    assert!(
        stdout.contains("false suggestions      no none cases"),
        "{stdout}"
    );
}

#[test]
fn eval_groups_missed_and_false_suggestions_and_caps_them() {
    // Twelve answerable cases, and one "none" case the bot would answer.
    let mut cases = String::new();
    for n in 0..12 {
        cases += &format!("[[case]]\ntext = \"cost {n}\"\nexpect = \"cost\"\n\n");
    }
    cases += "[[case]]\ntext = \"I'm getting a 500 error\"\nexpect = \"none\"\n";
    let path = temp_file("grouped.toml", &cases);
    let path = path.to_str().unwrap();
    let stdout = text(&faqbot(&["eval", path], "").stdout);
    assert!(stdout.contains("suggested on a none case (1):"), "{stdout}");
    // Nothing is confident enough at min_confidence above 1: every case is "not suggested".
    let quiet = ["eval", "--set", "min_confidence=1.01", path];
    let stdout = text(&faqbot(&quiet, "").stdout);
    assert!(
        stdout.contains("right best entry, but not suggested (12):"),
        "{stdout}"
    );
    assert!(
        stdout.contains("… and 2 more (--all lists every case)"),
        "{stdout}"
    );
    let all = ["eval", "--all", "--set", "min_confidence=1.01", path];
    let all = text(&faqbot(&all, "").stdout);
    assert!(!all.contains("more (--all"), "{all}");
    assert_eq!(all.matches("expect cost").count(), 12, "{all}");
}

#[test]
fn check_takes_the_file_as_an_argument_too() {
    let out = faqbot(&["check", "faq.toml"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("faq.toml: ok"));
    // A usage error is clap's message and exit 2, as the README says.
    let out = faqbot(&["check", "faq.toml", "--faq", "other.toml"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn eval_rejects_bad_cases_in_one_line() {
    let unknown = temp_file(
        "unknown.toml",
        "[[case]]\ntext = \"x\"\nexpect = \"no-such-entry\"\n",
    );
    let broken = temp_file("broken.toml", "[[case]]\ntext = \"x\nexpect = 1\n");
    for path in [unknown, broken] {
        let out = faqbot(&["eval", path.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: "));
    }
}

/// A Docusaurus FAQ page shaped like the CIPP one (front matter, vale comments, `<details>` blocks
/// with anchors, numbered lists, an admonition, relative links): `tests/fixtures/docusaurus-faq.md`.
/// CI also imports the real CIPP page from the shared folder (`.ci/shared-checks`).
#[test]
fn import_of_a_docusaurus_page_is_a_valid_faq() {
    let page = fixture("docusaurus-faq.md");
    let out = faqbot(
        &[
            "import",
            page.to_str().unwrap(),
            "--page",
            "https://example.org/docs/general/faq/",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Each link relative to the site or the page is guessed and said so, with its line.
    let stderr = text(&out.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 3, "{stderr}");
    assert!(warnings
        .iter()
        .all(|w| w.contains(": line ") && w.contains("check that it is a page")));
    let warnings = stderr.as_str();
    assert!(
        warnings.contains("line 9: the link \"/general/troubleshooting\""),
        "{warnings}"
    );
    let toml = text(&out.stdout);
    let faq = faqbot::faq::Faq::parse(&toml, "imported").expect("the import reads back");
    let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["installer-stops", "single-sign-on", "error-503"]);
    let sso = faq.get("single-sign-on").unwrap();
    assert!(sso.answer.contains("2. Pick **Sign-in**"), "{}", sso.answer);
    assert!(sso.answer.contains("3. Save."), "{}", sso.answer);
    assert!(sso.answer.contains("**Tip:**"), "{}", sso.answer);
    let installer = faq.get("installer-stops").unwrap();
    assert!(installer
        .answer
        .contains("(https://example.org/docs/setup/install)"));
    let error = faq.get("error-503").unwrap();
    assert!(error
        .answer
        .contains("(https://example.org/docs/general/errors/)"));
    assert_eq!(
        error.link.as_deref(),
        Some("https://example.org/docs/general/faq/#error-503")
    );
    assert!(!toml.contains("vale") && !toml.contains("<details>"));
}

#[test]
fn import_warns_about_missing_anchors() {
    let page = temp_file(
        "page.md",
        "<details><summary>## No anchor here?</summary>\n\nAn answer.\n</details>\n",
    );
    let out = faqbot(
        &[
            "import",
            page.to_str().unwrap(),
            "--page",
            "https://x.org/faq/",
        ],
        "",
    );
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("has no {#anchor}; its id is \"no-anchor-here\""));
    assert!(text(&out.stdout).contains("id = \"no-anchor-here\""));
}

/// Hints and comments that send people to a README section name one that exists.
#[test]
fn readme_sections_named_in_the_code_exist() {
    // `README: "Section"` and `docs/NAME.md: "Section"` in the code name a heading of that file.
    let headings = |file: &str| -> Vec<String> {
        std::fs::read_to_string(format!("{ROOT}/{file}"))
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .lines()
            .filter_map(|l| l.strip_prefix('#'))
            .map(|l| l.trim_start_matches('#').trim().to_owned())
            .collect()
    };
    let mut named = 0;
    let mut files = vec![Path::new(ROOT).join("src")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let code = std::fs::read_to_string(&path).unwrap_or_default();
        for (marker, file) in std::iter::once(("README: ".to_owned(), "README.md".to_owned()))
            .chain(std::fs::read_dir(format!("{ROOT}/docs")).unwrap().map(|e| {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                (format!("docs/{name}: "), format!("docs/{name}"))
            }))
        {
            for part in code.split(marker.as_str()).skip(1) {
                let part = part.trim_start_matches('\\');
                let Some(rest) = part.strip_prefix('"') else {
                    continue;
                };
                let name = rest.split(['"', '\\']).next().unwrap();
                // A name may run over a comment's line break.
                let name = name
                    .split_whitespace()
                    .filter(|w| !w.starts_with("//"))
                    .collect::<Vec<_>>()
                    .join(" ");
                named += 1;
                assert!(
                    headings(&file).contains(&name),
                    "{}: {file} section {name:?} does not exist",
                    path.display()
                );
            }
        }
    }
    assert!(named >= 3, "found {named} references");
}

#[test]
fn a_reader_that_goes_away_ends_a_tool_quietly() {
    // The reader is gone before faqbot writes its first line (it reads and converts the page
    // first), as with `faqbot import … | head -1` once head has its line.
    let page = fixture("docusaurus-faq.md");
    let mut child = Command::new(env!("CARGO_BIN_EXE_faqbot"))
        .arg("import")
        .arg(&page)
        .args(["--page", "https://cipp.app/docs/general/faq/"])
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the faqbot binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

/// Mistyped commands and values get a line that says what was meant or what to give.
#[test]
fn mistakes_on_the_command_line_say_what_to_give() {
    let out = faqbot(&["chek"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("'check'"),
        "{}",
        text(&out.stderr)
    );

    let out = faqbot(&["stats", "--days", "0"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("give 1 or more"),
        "{}",
        text(&out.stderr)
    );

    let out = faqbot(&["forget", "--user", "alice", "--db", "x.db"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("Copy User ID"),
        "{}",
        text(&out.stderr)
    );

    // Where the pages are published is the error to read, before anything about their format.
    let page = fixture("docusaurus-faq.md");
    let out = faqbot(&["import", page.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.contains("say where the pages are published"), "{said}");
}
