//! faqbot: answers recurring support questions from a reviewed FAQ.
//!
//! The library holds every layer except the command line (`main.rs`):
//! - [`faq`]: the FAQ model and the `faq.toml` loader with positioned errors;
//! - [`import`]: a Docusaurus FAQ page to `faq.toml`;
//! - [`matcher`]: message text in, ranked entries and a "suggest or stay quiet" decision out;
//! - [`eval`]: labelled cases and the figures the matcher reaches on them.
//!
//! None of these know about Discord: the bot, the CLI, the tests and the benchmarks share them.

pub mod eval;
pub mod faq;
pub mod import;
pub mod location;
pub mod matcher;
