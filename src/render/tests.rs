//! Rendering checked against Discord's limits and its mention rules.

use super::*;
use serde_json::{json, Value};

fn sample(answer: &str) -> Entry {
    Entry {
        id: "500-error".into(),
        question: "I'm getting a 500 error".into(),
        answer: answer.into(),
        link: Some("https://cipp.app/docs/general/faq/#500-error".into()),
        ..Entry::default()
    }
}

fn wire(post: &Post) -> Value {
    serde_json::to_value(post.to_message()).unwrap()
}

#[test]
fn stats_fit_one_message_and_show_rates() {
    use crate::store::{EntryStats, Stats};
    let entry = |n: usize| EntryStats {
        entry: format!("entry-{n}"),
        auto: 3,
        faq: 1,
        link: 0,
        solved: 1,
        not_it: 1,
        dismissed: 0,
    };
    let many = Stats {
        entries: (0..200).map(entry).collect(),
        days: Vec::new(),
        unmatched: Vec::new(),
    };
    let post = stats(&many, 30);
    assert!(post.content.chars().count() <= CONTENT_MAX);
    assert!(post.ephemeral);
    assert!(post
        .content
        .contains("`entry-0`: shown 4 (unasked 3, /faq 1, linked 0); 50% helpful"));
    let few = Stats {
        entries: vec![entry(1)],
        days: Vec::new(),
        unmatched: vec![("how do I `add` a tenant".to_owned(), 4)],
    };
    assert!(stats(&few, 7)
        .content
        .contains("4× `how do I 'add' a tenant`"));
}

#[test]
fn entry_for_a_member_pings_only_that_member() {
    let post = entry(&sample("answer @everyone <@&5>"), Some(42), false);
    let wire = wire(&post);
    assert_eq!(wire["content"], "FAQ for <@42>");
    assert_eq!(
        wire["allowed_mentions"],
        json!({"parse": [], "users": ["42"], "roles": [], "replied_user": false})
    );
    assert_eq!(wire["embeds"][0]["title"], "I'm getting a 500 error");
    assert_eq!(
        wire["embeds"][0]["url"],
        "https://cipp.app/docs/general/faq/#500-error"
    );
    assert_eq!(
        wire["components"][0]["components"][0]["label"],
        "Read in the docs"
    );
}

#[test]
fn suggestions_do_not_ping_and_carry_feedback_buttons() {
    let post = suggestion(&sample("answer"), 7);
    let wire = wire(&post);
    assert_eq!(wire["allowed_mentions"]["parse"], json!([]));
    assert_eq!(wire["allowed_mentions"]["users"], json!([]));
    assert_eq!(wire["allowed_mentions"]["replied_user"], false);
    let labels: Vec<&str> = wire["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["Read in the docs", "Solved it", "Not it", "Dismiss"]
    );
    assert_eq!(
        wire["components"][0]["components"][3]["custom_id"],
        "faqbot:dismiss:7"
    );
}

#[test]
fn long_answers_are_cut_on_a_line_with_a_note_and_closed_code() {
    let mut answer = String::from("Intro line\n```\n");
    for n in 0..200 {
        answer.push_str(&format!("log line number {n}\n"));
    }
    answer.push_str("```\nend");
    let post = suggestion(&sample(&answer), 1);
    let description = &post.embed.unwrap().description;
    assert!(description.chars().count() <= SUGGESTION_ANSWER_MAX);
    assert!(description.ends_with(CUT_NOTE));
    let body = description.trim_end_matches(CUT_NOTE).trim_end();
    assert!(body.ends_with("```"), "{body}");
    assert_eq!(description.matches("```").count() % 2, 0);
    // Whole lines only.
    assert!(body
        .lines()
        .rev()
        .nth(1)
        .unwrap()
        .starts_with("log line number"));

    let full = entry(&sample(&answer), None, false);
    assert_eq!(full.embed.unwrap().description, answer);
}

#[test]
fn cutting_never_exceeds_the_limit_even_without_line_breaks() {
    let long = "é".repeat(5000);
    assert!(cut_answer(&long, 1000).chars().count() <= 1000);
    assert_eq!(cut_chars(&long, 100).chars().count(), 100);
    assert_eq!(cut_chars("short", 100), "short");
}

#[test]
fn solved_keeps_the_answer_and_the_docs_link_and_pings_nobody() {
    let wire = wire(&solved(&sample("answer"), 7));
    assert_eq!(wire["content"], "✅ Solved, says <@7>");
    assert_eq!(wire["allowed_mentions"]["users"], json!([]));
    assert_eq!(wire["allowed_mentions"]["replied_user"], false);
    assert_eq!(
        wire["components"][0]["components"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(wire["embeds"][0]["description"], "answer");
}

#[test]
fn linked_names_the_moderator_without_pinging_them() {
    let wire = wire(&linked(&sample("answer"), 9, 5));
    assert_eq!(wire["content"], "Linked by <@9>");
    assert_eq!(wire["allowed_mentions"]["users"], json!([]));
    assert_eq!(wire["allowed_mentions"]["replied_user"], true);
}

#[test]
fn not_found_without_a_name_points_to_autocomplete() {
    assert_eq!(
        not_found(" ", &[]).content,
        "Give an entry: start typing in the `entry` field to see the entries."
    );
}

#[test]
fn not_found_offers_at_most_three_and_strips_backticks() {
    let a = sample("a");
    let text = not_found("x`y", &[&a, &a, &a, &a]).content;
    assert_eq!(
        text,
        "No FAQ entry `xy`. Did you mean `500-error`, `500-error` or `500-error`?"
    );
    assert!(not_found("zz", &[]).content.contains("Start typing"));
}

#[test]
fn picker_is_private_with_a_select_and_a_search_button() {
    let a = sample("a");
    let post = picker(1, 2, &[&a]);
    assert!(post.ephemeral);
    let wire = serde_json::to_value(post.to_interaction()).unwrap();
    assert_eq!(wire["flags"], 64);
    assert_eq!(
        wire["components"][0]["components"][0]["custom_id"],
        "faqbot:link:1:2"
    );
    assert_eq!(
        wire["components"][0]["components"][0]["options"][0]["value"],
        "500-error"
    );
    assert_eq!(
        wire["components"][1]["components"][0]["custom_id"],
        "faqbot:search:1:2"
    );
}

#[test]
fn status_names_the_shard_only_when_the_bot_runs_several() {
    let status = |shard| Status {
        version: "1.0.0",
        entries: 3,
        uptime: std::time::Duration::from_secs(60),
        channels: Vec::new(),
        suggestions: 0,
        links: 0,
        unrecorded: 0,
        retries: 0,
        given_up: 0,
        second_opinion: None,
        shard,
    };
    let text = |status: Status| wire(&super::status(&status)).to_string();
    assert!(text(status(Some((1, 4)))).contains("Shard serving this server: 1 of 4"));
    assert!(!text(status(Some((0, 1)))).contains("Shard"));
    assert!(!text(status(None)).contains("Shard"));
}
