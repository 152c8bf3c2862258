//! faqbot: answers recurring support questions from a reviewed FAQ.
//!
//! The library holds every layer; the command line (`main.rs` and `cli/`, one file per subcommand)
//! only parses arguments and calls it. How a message travels:
//!
//! ```text
//! Discord gateway ──MESSAGE_CREATE──▶ discord ──(text, place, author)──▶ service
//!                                                                          │
//!        policy: may the bot speak here and now? ◀─────────────────────────┤
//!        memory: cooldown claims, threads seen (in memory or in the store) ◀┤
//!        matcher: FAQ and learned examples → ranked entries, a decision ◀──┤
//!           └─ second opinion: the sentence transformer on a bounded worker │
//!        render: the entry as a Discord message, within Discord's limits ◀─┘
//!            │                              store ◀── what was shown, links, feedback
//! Discord REST ◀── discord::send (retries, rate limits, deadlines)
//! ```
//!
//! The layers, each readable and testable alone:
//! - [`faq`]: the FAQ model and the `faq.toml` loader with positioned errors;
//! - [`import`]: Docusaurus and GitBook pages to `faq.toml`, and merging into a curated file;
//! - [`matcher`]: message text in, ranked entries and a "suggest or stay quiet" decision out (no
//!   Discord types, no I/O, no clock);
//! - [`model`] and [`second_opinion`]: the sentence transformer behind the matcher's second
//!   opinion (optional files) and the worker that runs it;
//! - [`policy`]: whether the bot may suggest here and now (no Discord types, clock passed in);
//! - [`memory`]: what the policy remembers (cooldown claims, threads seen), behind a trait;
//! - [`history`]: a channel's past staff replies with an entry's link, turned into examples (no
//!   Discord types);
//! - [`store`]: what was shown and how it helped, learned examples, memory; SQLite (one process) or
//!   PostgreSQL (several) behind one trait;
//! - [`service`]: runs a message, click or link through policy, matcher, render and store, and says
//!   what to send (no serenity types);
//! - [`render`]: an entry to a Discord message within Discord's limits, pinging no one unintended;
//! - [`action`]: what a button or menu the bot posted does, carried in its `custom_id`;
//! - [`lookup`]: an entry by the name a user types (autocomplete, `/faq NAME`);
//! - [`config`]: `faqbot.toml` and the token;
//! - [`ids`]: guild, channel, message and user ids as distinct types;
//! - [`time`]: the clock, the lengths of time faqbot names, and the time in Discord ids;
//! - [`eval`] and [`report`]: figures on labelled cases (`faqbot eval`) and the store's statistics
//!   (`faqbot stats`);
//! - [`gaps`]: unmatched questions grouped into what the FAQ lacks, with draft entries (`faqbot
//!   gaps`);
//! - [`discord`]: the thin layer that turns Discord events into calls of the above.
//!
//! Only `render` and `discord` know about Discord: the bot, the CLI, the tests and the benchmarks
//! share the rest. Test machinery lives in crates of its own under `crates/`: `faqbot-emulator`
//! (Discord's gateway and REST API on 127.0.0.1, for the tests and [`demo`]) and `faqbot-testdb`
//! (a PostgreSQL server of its own for the tests).
//!
//! ```
//! use faqbot::faq::Faq;
//! use faqbot::matcher::Matcher;
//!
//! let faq = Faq::parse(
//!     r#"
//! [[entry]]
//! id = "500-error"
//! question = "I'm getting a 500 error, what's going on?"
//! answer = "A 500 error is a generic server error."
//!
//! [[entry]]
//! id = "400-error"
//! question = "I'm getting a 400 error, what's going on?"
//! answer = "A 400 error is a generic access error."
//! "#,
//!     "faq.toml",
//! )
//! .expect("a valid FAQ");
//! let matcher = Matcher::new(&faq);
//!
//! let decision = matcher.decide("every page gives me a 500 error", 5);
//! assert_eq!(decision.matches[0].id, "500-error");
//! assert_eq!(decision.suggest.map(|m| m.id), Some("500-error"));
//! assert_eq!(matcher.decide("good morning everyone", 5).suggest, None);
//! ```

pub mod action;
pub mod config;
pub mod demo;
pub mod discord;
pub mod eval;
pub mod faq;
pub mod gaps;
pub mod history;
pub mod ids;
pub mod import;
pub mod location;
pub mod lookup;
pub mod matcher;
pub mod memory;
pub mod model;
pub mod policy;
pub mod render;
pub mod report;
pub mod second_opinion;
pub mod service;
pub mod store;
pub mod time;
