//! The second opinion with the real model (`faqbot model fetch` puts it in `model/`; `.ci/run`
//! does). On a clone without it, each test says so in one line and passes: everything else works
//! by words alone, and `src/second_opinion.rs` tests the caching and the fallback with a stand-in.

use std::path::Path;

use faqbot::eval::{evaluate_with, load_cases};
use faqbot::faq::Faq;
use faqbot::matcher::{Learned, Matcher};
use faqbot::second_opinion::{Loading, SecondOpinion};

fn opinion() -> Option<SecondOpinion> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("model");
    match SecondOpinion::load(&dir).expect("the model in model/ loads") {
        Loading::Ready(opinion) => Some(opinion),
        Loading::Absent => {
            println!(
                "skipped: no model in {} (run `faqbot model fetch`)",
                dir.display()
            );
            None
        }
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn the_model_gives_the_reference_implementations_vectors() {
    let Some(opinion) = opinion() else { return };
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("model/reference-vector.json")).unwrap(),
    )
    .unwrap();
    let expected: Vec<f32> = reference["vector"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let got = opinion
        .embed(reference["text"].as_str().unwrap())
        .unwrap()
        .whole;
    assert_eq!(got.len(), expected.len());
    let cosine: f32 = got.iter().zip(&expected).map(|(a, b)| a * b).sum();
    assert!(cosine > 0.999, "cosine with the reference {cosine}");
}

#[test]
fn paraphrases_are_closer_than_other_topics() {
    let Some(opinion) = opinion() else { return };
    let v = |text: &str| opinion.embed(text).unwrap().whole;
    let cos = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let forgot = v("I forgot my password and cannot sign in");
    assert!(
        cos(&forgot, &v("how do I reset my login credentials"))
            > cos(&forgot, &v("what does hosting cost per month")) + 0.2
    );
}

#[test]
fn the_second_opinion_keeps_the_dev_cases_right_and_speaks_on_an_mfa_error() {
    let Some(opinion) = opinion() else { return };
    let faq = Faq::load(concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml")).unwrap();
    let matcher = Matcher::new(&faq);
    let vectors = opinion.index(&faq, &Learned::default(), None).unwrap();
    let cases = load_cases(&fixture("dev.toml")).unwrap();
    let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
    let report = evaluate_with(
        |text| opinion.decide(&matcher, &vectors, text, 5),
        &ids,
        &cases,
    )
    .unwrap();
    assert!(report.by_model > report.cases * 9 / 10, "{report:?}");
    assert!(
        report.precision >= 0.95 && report.recall >= 0.80 && report.false_rate == 0.0,
        "{}",
        report.human(false)
    );
    // Words alone stay quiet on this one (README's table).
    let text = "the mfa error AADSTS50076 keeps showing up";
    assert_eq!(matcher.decide(text, 1).suggest, None);
    let decision = opinion.decide(&matcher, &vectors, text, 1);
    assert_eq!(decision.suggest.map(|m| m.id), Some("mfa-error"));
}

/// `faqbot match` without a database keeps the model's vectors of the FAQ beside the model, so
/// that the next call embeds nothing it embedded before.
#[test]
fn match_without_a_database_caches_the_faqs_vectors_beside_the_model() {
    let Some(opinion) = opinion() else { return };
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("model");
    let dir = std::env::temp_dir().join(format!("faqbot-model-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in std::fs::read_dir(&model).unwrap() {
        let file = file.unwrap();
        if file.file_name() != "vectors.db" {
            std::os::unix::fs::symlink(file.path(), dir.join(file.file_name())).unwrap();
        }
    }
    let question = "How do I connect the gizmotron to my tenant?";
    let faq = dir.join("faq.toml");
    std::fs::write(
        &faq,
        format!("[[entry]]\nid = \"gizmo\"\nquestion = \"{question}\"\nanswer = \"Plug it in.\"\n"),
    )
    .unwrap();
    let run = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_faqbot"))
            .args(["match", "--faq"])
            .arg(&faq)
            .arg("--model")
            .arg(&dir)
            .arg("the gizmotron will not connect")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run();
    let cache = faqbot::store::sqlite::Sqlite::open(&dir.join("vectors.db")).unwrap();
    let hash = faqbot::store::text_hash(question);
    let cached = faqbot::store::Backend::vectors(&cache, opinion.model(), &[hash]).unwrap();
    assert!(cached[0].is_some(), "the question's vector is cached");
    run();
    let _ = std::fs::remove_dir_all(&dir);
}
