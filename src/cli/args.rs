//! Arguments several subcommands share.

use super::Result;
use std::path::PathBuf;

use faqbot::import::Format;
use faqbot::matcher::Params;
use faqbot::model;
use faqbot::second_opinion::{Loading, SecondOpinion};

/// The FAQ file read when none is named.
pub const DEFAULT_FAQ: &str = "faq.toml";

#[derive(clap::Args)]
pub struct FaqArg {
    /// The FAQ file.
    #[arg(
        long,
        env = "FAQBOT_FAQ",
        default_value = DEFAULT_FAQ,
        value_name = "PATH"
    )]
    pub faq: PathBuf,
}

#[derive(clap::Args)]
pub struct ParamsArg {
    /// Change a matcher parameter for this run, e.g. `--set lexical_share=0.4`; an unknown name
    /// lists them all (README: "How matching works").
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
}

impl ParamsArg {
    pub fn params(&self) -> Result<Params> {
        let mut params = Params::default();
        for assignment in &self.set {
            params.set(assignment)?;
        }
        Ok(params)
    }
}

#[derive(clap::Args, Clone)]
pub struct ModelArg {
    /// The folder with the model's files (`faqbot model fetch`); without them, words alone decide.
    #[arg(
        long = "model",
        env = "FAQBOT_MODEL",
        default_value = model::files::DEFAULT_DIR,
        value_name = "DIR"
    )]
    dir: PathBuf,
    /// Decide by words alone even when the model is there.
    #[arg(long)]
    no_model: bool,
}

impl ModelArg {
    /// The same choice with the model's files in `dir` (a config's `[matcher.model] dir`).
    pub fn in_dir(&self, dir: PathBuf) -> ModelArg {
        ModelArg {
            dir,
            no_model: self.no_model,
        }
    }

    /// The second opinion, or `None` (said once on standard error) when its files are absent.
    pub fn load(&self) -> Result<Option<SecondOpinion>> {
        if self.no_model {
            return Ok(None);
        }
        match SecondOpinion::load(&self.dir)? {
            Loading::Ready(opinion) => Ok(Some(opinion)),
            Loading::Absent => {
                eprintln!(
                    "note: words alone decide; run `faqbot model fetch` for the model's second opinion (no model files in {})",
                    model::files::folder(&self.dir)
                );
                Ok(None)
            }
        }
    }

    /// Where `match` and `eval` without `--db` keep the model's vectors of a FAQ's texts: a file
    /// beside the model, keyed as the store keys them (model and text), so that a second call
    /// embeds only what changed. `None` (said once) when it cannot be opened: everything is
    /// embedded again, as before.
    pub fn vector_cache(&self) -> Option<std::sync::Arc<dyn faqbot::store::Backend>> {
        let file = self.dir.join(VECTOR_CACHE);
        match faqbot::store::sqlite::Sqlite::open(&file) {
            Ok(cache) => Some(std::sync::Arc::new(cache)),
            Err(error) => {
                eprintln!(
                    "note: no cache of the model's vectors ({error}): embedding the FAQ again"
                );
                None
            }
        }
    }
}

/// The model folder's cache of vectors (see [`ModelArg::vector_cache`]).
pub const VECTOR_CACHE: &str = "vectors.db";

/// What `match` and `eval` decide with: the FAQ, what a database learned, the parameters and
/// the model.
#[derive(clap::Args)]
pub struct DeciderArgs {
    #[command(flatten)]
    pub faq: FaqArg,
    /// Use the examples learned in this database too.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub server: ServerArg,
    #[command(flatten)]
    pub params: ParamsArg,
    #[command(flatten)]
    pub model: ModelArg,
}

#[derive(clap::Args)]
pub struct DbArg {
    /// The bot's database ([store] path in faqbot.toml).
    #[arg(
        long,
        env = "FAQBOT_DB",
        default_value = "faqbot.db",
        value_name = "PATH"
    )]
    pub db: PathBuf,
    #[command(flatten)]
    pub server: ServerArg,
}

#[derive(clap::Args)]
pub struct ServerArg {
    /// The Discord server (its id) whose examples and records to use; needed only when the
    /// database holds several.
    #[arg(long = "server", value_name = "ID")]
    pub id: Option<u64>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Docusaurus,
    Gitbook,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Docusaurus => Format::Docusaurus,
            FormatArg::Gitbook => Format::GitBook,
        }
    }
}
