//! Gaps on a small labelled set, words alone (the model's path is measured by
//! `examples/gaps.rs`): three topics asked several ways, and chatter that joins none.

use super::*;
use crate::faq::Faq;

const TOPICS: [(&str, [&str; 4]); 3] = [
    (
        "card",
        [
            "my card was declined",
            "why is my card declined",
            "card declined again",
            "the card got declined at the shop",
        ],
    ),
    (
        "password",
        [
            "how do I reset my password",
            "the password reset email never arrives",
            "I forgot my password and the reset link is broken",
            "password reset does not work",
        ],
    ),
    (
        "export",
        [
            "can I export my transactions to a csv file",
            "export transactions as csv",
            "is there a way to export all my transactions",
            "transactions export to excel or csv",
        ],
    ),
];

const CHATTER: [&str; 3] = [
    "good morning everyone",
    "the weather is lovely in lisbon",
    "who won the football match yesterday",
];

fn texts() -> Vec<&'static str> {
    // Interleaved, so that order cannot do the grouping.
    let mut texts = Vec::new();
    for i in 0..4 {
        for (_, messages) in TOPICS {
            texts.push(messages[i]);
        }
        if let Some(chatter) = CHATTER.get(i) {
            texts.push(chatter);
        }
    }
    texts
}

fn topic_of(text: &str) -> Option<&'static str> {
    TOPICS
        .iter()
        .find(|(_, messages)| messages.contains(&text))
        .map(|(topic, _)| *topic)
}

#[test]
fn each_topic_is_one_gap_and_chatter_is_noise() {
    let texts = texts();
    let found = find(&texts, &Similarity::of_words(&texts));
    assert_eq!(found.gaps.len(), 3, "{found:#?}");
    for gap in &found.gaps {
        let topics: Vec<_> = gap.members.iter().map(|&m| topic_of(texts[m])).collect();
        assert!(
            topics.iter().all(|t| t.is_some() && *t == topics[0]),
            "{gap:?}: {topics:?}"
        );
        assert_eq!(gap.members.len(), 4, "{gap:?}");
        let topic = topics[0].unwrap();
        assert!(gap.label.contains(topic), "{topic}: {:?}", gap.label);
        assert!(gap.members.contains(&gap.central));
        assert_eq!(gap.more.len(), 2);
    }
    assert_eq!(found.noise, CHATTER.len());
    // The same input, the same gaps.
    assert_eq!(found, find(&texts, &Similarity::of_words(&texts)));
}

#[test]
fn a_gap_close_to_an_entry_names_it_and_a_far_one_does_not() {
    let texts = texts();
    let best = |text: &str| match topic_of(text) {
        Some("card") => Some(("card-declined".to_owned(), 0.6)),
        _ => Some(("something-else".to_owned(), 0.1)),
    };
    let mut found = find(&texts, &Similarity::of_words(&texts));
    let every = 0..found.gaps.len();
    diagnose(&mut found, every, &texts, best);
    for gap in &found.gaps {
        match topic_of(texts[gap.central]) {
            Some("card") => assert_eq!(
                gap.closest,
                Some(Closest {
                    id: "card-declined".into(),
                    confidence: 0.6
                })
            ),
            _ => assert_eq!(gap.closest, None),
        }
    }
}

#[test]
fn drafts_are_refused_until_their_answer_is_written() {
    let texts = texts();
    let found = find(&texts, &Similarity::of_words(&texts));
    let faq = Faq::parse(
        "[[entry]]\nid = \"card-declined\"\nquestion = \"q\"\nanswer = \"a\"\n",
        "faq.toml",
    )
    .unwrap();
    let wanted: Vec<draft::Wanted> = found
        .gaps
        .iter()
        .map(|gap| draft::Wanted {
            about: format!("the gap {:?}", gap.label),
            name: gap.label.clone(),
            questions: draft::questions(gap, &texts),
            ..draft::Wanted::default()
        })
        .collect();
    let drafts = draft::drafts(&wanted, &faq);
    assert_eq!(drafts.matches("[[entry]]").count(), 3, "{drafts}");
    let refused = Faq::parse(&drafts, "drafts.toml").expect_err("TODO answers are refused");
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(refused[0].to_string().contains("still starts with TODO"));
    let written = drafts.replace("TODO: write the answer", "Here is the answer");
    let checked = Faq::parse(&written, "drafts.toml").expect("a reviewed draft is a valid FAQ");
    assert!(checked.entries.iter().all(|e| e.examples.len() == 3));
    assert!(checked.entries.iter().all(|e| e.id != "card-declined"));
}
