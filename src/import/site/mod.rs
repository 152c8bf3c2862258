//! Where each docs page is published, and where its links point.
//!
//! A page's URL follows from its path in the docs tree (`--root`) and the site's address
//! (`--site`): GitBook drops `.md` and maps `README.md` to its folder. Relative links are resolved
//! against the page's file, as the site generator does, then mapped the same way. The pages the
//! site has are the files under the root and the entries of GitBook's table of contents
//! (`SUMMARY.md`), so links can be checked without fetching anything.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use url::Url;

use super::syntax::Format;
use super::ImportError;

/// Files larger than this under the docs root are not read for titles (a docs page is far smaller).
const MAX_PAGE_BYTES: u64 = 4 * 1024 * 1024;

/// The docs site the pages belong to.
#[derive(Debug)]
pub struct Site {
    format: Format,
    /// The site's address, ending in `/`.
    base: Url,
    root: Option<PathBuf>,
    /// Known pages by [`key`], with their titles when known.
    pages: HashMap<String, Option<String>>,
    /// The files under the root by the [`key`] of the page each is published as.
    files: HashMap<String, PathBuf>,
}

/// One page being imported.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where relative links start from: the page's file as if it were on the site.
    file: Url,
    /// The page as published.
    pub url: Url,
}

/// Where a link in a page points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    /// Written relative to the page or the site (so it was resolved, not copied).
    pub relative: bool,
    /// On the docs site: `Some(true)` when it is a known page, `Some(false)` when not; `None`
    /// off the site or when the site's pages are not known.
    pub known: Option<bool>,
}

impl Site {
    /// A site whose pages live under `root`.
    pub fn tree(format: Format, site: &str, root: &Path) -> Result<Site, ImportError> {
        let mut this = Site {
            format,
            base: base(site)?,
            root: Some(
                root.canonicalize()
                    .map_err(|error| read_error("the docs root ", root, error))?,
            ),
            pages: HashMap::new(),
            files: HashMap::new(),
        };
        let root = this.root.clone().unwrap_or_default();
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            let entries =
                std::fs::read_dir(&folder).map_err(|error| read_error("", &folder, error))?;
            for entry in entries.flatten() {
                let path = entry.path();
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                // Symbolic links are not followed: a link to a parent folder would never end.
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if hidden || kind.is_symlink() {
                    continue;
                }
                if kind.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "md") {
                    let url = this.file_to_url(&this.file_url(&path)?);
                    let title = std::fs::metadata(&path)
                        .ok()
                        .filter(|m| m.len() <= MAX_PAGE_BYTES)
                        .and_then(|_| std::fs::read_to_string(&path).ok())
                        .and_then(|text| page_title(&text));
                    this.pages.entry(key(&url)).or_insert(title);
                    this.files.insert(key(&url), path);
                }
            }
        }
        let summary = root.join("SUMMARY.md");
        if let Ok(text) = std::fs::read_to_string(&summary) {
            let from = this.file_url(&summary)?;
            for (link, title) in summary_links(&text) {
                if let Ok(file) = from.join(&link) {
                    let url = this.file_to_url(&file);
                    let known = this.pages.entry(key(&url)).or_insert(None);
                    // The table of contents names pages as the site's menu does.
                    *known = Some(title).filter(|t| !t.is_empty()).or(known.take());
                }
            }
        }
        Ok(this)
    }

    /// A site known only through one page's address (`--page`), its address `site` or the page's
    /// origin.
    pub fn single(format: Format, page: &str, site: Option<&str>) -> Result<Site, ImportError> {
        let page_url = web_url(page, "--page")?;
        let site = match site {
            Some(site) => site.to_owned(),
            None => page_url.origin().ascii_serialization(),
        };
        let mut this = Site {
            format,
            base: base(&site)?,
            root: None,
            pages: HashMap::new(),
            files: HashMap::new(),
        };
        this.pages.insert(key(&page_url), None);
        Ok(this)
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The site's address, without its trailing `/`.
    pub fn address(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// Whether the pages of the site are known (a docs root was given).
    pub fn knows_pages(&self) -> bool {
        self.root.is_some()
    }

    /// The page at `path`; with `single`, `page_url` is where it is published.
    pub fn page(&self, path: &Path, page_url: Option<&str>) -> Result<Page, ImportError> {
        if let Some(page_url) = page_url {
            let url = web_url(page_url, "--page")?;
            let readme = path.file_name().is_some_and(|n| n == "README.md");
            // A GitBook README is published at its folder's address: links start from the folder.
            let file = if self.format == Format::GitBook && readme {
                let mut folder = url.clone();
                if !folder.path().ends_with('/') {
                    folder.set_path(&format!("{}/", folder.path()));
                }
                folder.join("README.md").unwrap_or_else(|_| url.clone())
            } else {
                url.clone()
            };
            return Ok(Page { file, url });
        }
        let file = self.file_url(path)?;
        Ok(Page {
            url: self.file_to_url(&file),
            file,
        })
    }

    /// Records a page's title (from the page itself, which is better than a guess).
    pub fn add_title(&mut self, page: &Page, title: &str) {
        self.pages.insert(key(&page.url), Some(title.to_owned()));
    }

    /// Where `link`, written in `page`, points.
    pub fn resolve(&self, page: &Page, link: &str) -> Option<Target> {
        let link = link.trim();
        if link.is_empty() {
            return None;
        }
        let (url, relative) = if let Ok(url) = Url::parse(link) {
            (url, false)
        } else if link.starts_with('#') {
            (page.url.join(link).ok()?, true)
        } else if let Some(path) = link.strip_prefix('/') {
            (self.base.join(path).ok()?, true)
        } else {
            (self.file_to_url(&page.file.join(link).ok()?), true)
        };
        let known = self.known(&url);
        Some(Target {
            // An absolute link stays as written (the parser would add a `/` to a bare host).
            url: if relative {
                url.to_string()
            } else {
                link.to_owned()
            },
            relative,
            known,
        })
    }

    /// Whether `url`, on the docs site, is one of its pages; `None` off the site or when the
    /// pages are not known.
    fn known(&self, url: &Url) -> Option<bool> {
        (self.knows_pages() && self.on_site(url)).then(|| self.pages.contains_key(&key(url)))
    }

    /// The title of the page a URL points to, when known.
    pub fn title(&self, url: &str) -> Option<&str> {
        let url = Url::parse(url).ok()?;
        self.pages.get(&key(&url))?.as_deref()
    }

    /// The file under the root that is published at `url` (its anchor and query aside).
    pub fn file_of(&self, url: &str) -> Option<&Path> {
        let url = Url::parse(url).ok()?;
        self.files.get(&key(&url)).map(PathBuf::as_path)
    }

    /// Whether `url` is on the docs site.
    fn on_site(&self, url: &Url) -> bool {
        url.as_str().starts_with(self.base.as_str())
            || url.as_str() == self.base.as_str().trim_end_matches('/')
    }

    /// Whether `url` is on the docs site but no page of it; `None` when the pages are not known.
    pub fn is_unknown_page(&self, url: &str) -> Option<bool> {
        self.known(&Url::parse(url).ok()?).map(|known| !known)
    }

    /// The path of a file under the root as a URL on the site.
    fn file_url(&self, path: &Path) -> Result<Url, ImportError> {
        let root = self.root.as_deref().unwrap_or(Path::new(""));
        let full = path
            .canonicalize()
            .map_err(|error| read_error("", path, error))?;
        let relative = full
            .strip_prefix(root)
            .map_err(|_| ImportError::OutsideRoot {
                path: path.to_path_buf(),
                root: root.to_path_buf(),
            })?;
        let segments: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| ImportError::NoPaths(self.base.to_string()))?
            .pop_if_empty()
            .extend(&segments);
        Ok(url)
    }

    /// A file's URL as the site publishes it: `.md` dropped, `README.md` (and GitBook's folder
    /// links) mapped to the folder.
    fn file_to_url(&self, file: &Url) -> Url {
        if !self.on_site(file) {
            return file.clone();
        }
        let mut url = file.clone();
        let path = url.path().to_owned();
        let mapped = path
            .strip_suffix("README.md")
            .or_else(|| path.strip_suffix(".md"))
            .map(str::to_owned);
        let mut path = mapped.unwrap_or(path);
        if self.format == Format::GitBook && path.len() > 1 {
            // GitBook's addresses have no trailing `/`.
            path = path.trim_end_matches('/').to_owned();
        }
        url.set_path(&path);
        url
    }
}

/// A site address as a base for joining: absolute http(s), ending in `/`.
fn base(site: &str) -> Result<Url, ImportError> {
    let mut url = web_url(site, "--site")?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

fn web_url(text: &str, option: &'static str) -> Result<Url, ImportError> {
    match Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        _ => Err(ImportError::NotWebUrl {
            option,
            given: text.to_owned(),
        }),
    }
}

fn read_error(what: &'static str, path: &Path, error: std::io::Error) -> ImportError {
    ImportError::Read {
        what,
        path: path.to_path_buf(),
        error,
    }
}

/// How pages are compared: no fragment or query, no trailing `/`.
fn key(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.set_query(None);
    url.as_str().trim_end_matches('/').to_owned()
}

/// A page's title: its first `#` heading.
pub fn page_title(text: &str) -> Option<String> {
    let mut title = None::<String>;
    for event in Parser::new(text) {
        match (event, &mut title) {
            (
                Event::Start(Tag::Heading {
                    level: pulldown_cmark::HeadingLevel::H1,
                    ..
                }),
                None,
            ) => title = Some(String::new()),
            (Event::Text(t) | Event::Code(t), Some(title)) => title.push_str(&t),
            (Event::End(TagEnd::Heading(_)), Some(title)) => return Some(title.trim().to_owned()),
            _ => {}
        }
    }
    None
}

/// The links of GitBook's SUMMARY.md with their texts.
fn summary_links(text: &str) -> Vec<(String, String)> {
    let mut links = Vec::new();
    let mut open: Option<(String, String)> = None;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                open = Some((dest_url.into_string(), String::new()))
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, title)) = &mut open {
                    title.push_str(&t);
                }
            }
            Event::End(TagEnd::Link) => links.extend(open.take()),
            _ => {}
        }
    }
    links
}

/// A readable name for a page known only by its address: `sam-setup-wizard.md` → "Sam setup wizard".
pub fn readable_name(url: &str) -> String {
    let path = url
        .split(['#', '?'])
        .next()
        .unwrap_or(url)
        .trim_end_matches('/');
    let last = path.rsplit('/').next().unwrap_or(path);
    let last = last.strip_suffix(".md").unwrap_or(last);
    let words = last.replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
