//! Where the store is: a configured location (a SQLite file, or a PostgreSQL URL) to its backend.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{postgres, sqlite, Backend, Result, StoreError};

/// Opens (or creates) the store at its configured location: a file path or a `sqlite:PATH` URL,
/// the embedded SQLite database; a `postgres://` (or `postgresql://`) URL, a PostgreSQL database
/// that several bot processes share. The one place that picks a backend: nothing outside
/// `store/` names one.
pub fn open(location: &Path) -> Result<Arc<dyn Backend>> {
    if let Some(url) = postgres_url(location) {
        return Ok(Arc::new(postgres::Postgres::open(url)?));
    }
    let Some(file) = sqlite_file(location) else {
        let text = location.to_string_lossy();
        let scheme = text.split_once("://").map_or("", |(scheme, _)| scheme);
        return Err(StoreError::Open {
            path: text.to_string(),
            reason: format!(
                "faqbot has no {scheme} store; give a file path, a sqlite: URL or a postgres:// URL"
            ),
        });
    };
    Ok(Arc::new(sqlite::Sqlite::open(&file)?))
}

/// The configured location as it may be shown in the log: a URL without its password.
pub fn describe(location: &Path) -> String {
    match postgres_url(location) {
        Some(url) => postgres::redacted(url),
        None => location.display().to_string(),
    }
}

/// The configured location if it is a PostgreSQL URL.
pub fn postgres_url(location: &Path) -> Option<&str> {
    let text = location.to_str()?;
    (text.starts_with("postgres://") || text.starts_with("postgresql://")).then_some(text)
}

/// The SQLite file a configured store location names: a path as it is, a `sqlite:PATH` URL
/// without its scheme; `None` for a URL of another scheme (another backend's).
pub fn sqlite_file(location: &Path) -> Option<PathBuf> {
    let Some(text) = location.to_str() else {
        return Some(location.to_path_buf());
    };
    if let Some(path) = text.strip_prefix("sqlite:") {
        return Some(PathBuf::from(path.trim_start_matches("//")));
    }
    (!text.contains("://")).then(|| location.to_path_buf())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn a_store_opens_from_a_path_or_a_sqlite_url_and_refuses_other_schemes() {
        let dir = std::env::temp_dir().join(format!("faqbot-store-open-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("by-url.db");
        let url = format!("sqlite:{}", file.display());
        open(Path::new(&url)).unwrap();
        assert!(file.exists(), "sqlite:PATH opens the file at PATH");
        open(&dir.join("by-path.db")).unwrap();
        assert!(dir.join("by-path.db").exists());
        let error = open(Path::new("mysql://db.example/faqbot"))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("no mysql store"), "{error}");
        assert_eq!(
            sqlite_file(Path::new("sqlite:///var/lib/faqbot.db")),
            Some(PathBuf::from("/var/lib/faqbot.db"))
        );
        assert_eq!(sqlite_file(Path::new("postgres://db/faqbot")), None);
        // What the log shows of a location: never a password.
        let shown = describe(Path::new("postgres://bot:s3cret@db:5432/faqbot"));
        assert_eq!(shown, "postgres://bot:***@db:5432/faqbot");
        assert_eq!(describe(Path::new("faqbot.db")), "faqbot.db");
        assert_eq!(error.lines().count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
