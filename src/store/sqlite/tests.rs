//! The SQLite store against the backends' contract, and a newer schema left alone.

use super::*;
use crate::store::Backend;

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("faqbot-sqlite-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("faqbot.db")
}

#[test]
fn keeps_the_backend_contract() {
    crate::store::contract::check_all(&|name| {
        let path = temp(name);
        Box::new(move || Box::new(Sqlite::open(&path).unwrap()) as Box<dyn Backend>)
    });
}

#[test]
fn refuses_a_database_from_a_newer_faqbot_and_leaves_it_alone() {
    let path = temp("newer");
    drop(Sqlite::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let error = Sqlite::open(&path).err().expect("refused");
    assert!(
        matches!(error, StoreError::Newer { found: 99, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("newer faqbot"), "{error}");
    assert_eq!(schema_version(&path), Some(99));
}

/// A failed query keeps SQLite's own error as its source, so a report can show the chain.
#[test]
fn a_failed_query_keeps_the_databases_error_as_its_source() {
    let path = temp("source");
    let db = Sqlite::open(&path).unwrap();
    let locker = Connection::open(&path).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let error = db.note_reload(GuildId(1)).expect_err("locked");
    let source = std::error::Error::source(&error).expect("a source");
    assert!(source.is::<rusqlite::Error>(), "{source}");
    assert!(error.to_string().starts_with("database error: "), "{error}");
}
