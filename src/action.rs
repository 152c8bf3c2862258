//! What a button, menu or form the bot posted does when used: an [`Action`], carried in the
//! component's `custom_id` so that it survives restarts and needs no lookup.

/// What a component does when used; carried in its `custom_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// "Solved it" on a suggestion made for `author`'s message.
    Solved { author: u64, entry: String },
    /// "Not it" on a suggestion.
    NotIt { author: u64, entry: String },
    /// "Dismiss" on a suggestion.
    Dismiss { author: u64 },
    /// The picker of "Answer with FAQ" for a message.
    Link { channel: u64, message: u64 },
    /// "Search all entries" in that picker; also the id of the search form it opens.
    Search { channel: u64, message: u64 },
    /// "Undo link" on a moderator's link to `message`.
    Unlink { message: u64 },
}

const PREFIX: &str = "faqbot";

impl Action {
    /// The `custom_id`; at most 100 characters since entry ids are at most 64.
    pub fn custom_id(&self) -> String {
        match self {
            Action::Solved { author, entry } => format!("{PREFIX}:solved:{author}:{entry}"),
            Action::NotIt { author, entry } => format!("{PREFIX}:not-it:{author}:{entry}"),
            Action::Dismiss { author } => format!("{PREFIX}:dismiss:{author}"),
            Action::Link { channel, message } => format!("{PREFIX}:link:{channel}:{message}"),
            Action::Search { channel, message } => format!("{PREFIX}:search:{channel}:{message}"),
            Action::Unlink { message } => format!("{PREFIX}:unlink:{message}"),
        }
    }

    /// Whether a component with this action may be used in `channel`: one that names a channel
    /// (a picker, its search form) acts only there, so a forged id cannot reach another server's
    /// messages.
    pub fn belongs_in(&self, channel: u64) -> bool {
        match self {
            Action::Link { channel: own, .. } | Action::Search { channel: own, .. } => {
                *own == channel
            }
            _ => true,
        }
    }

    /// The action's name in logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Solved { .. } => "solved",
            Action::NotIt { .. } => "not-it",
            Action::Dismiss { .. } => "dismiss",
            Action::Link { .. } => "link",
            Action::Search { .. } => "search",
            Action::Unlink { .. } => "unlink",
        }
    }

    /// Reads a `custom_id` made by [`custom_id`](Self::custom_id); `None` for anything else.
    pub fn parse(custom_id: &str) -> Option<Action> {
        let mut parts = custom_id.splitn(4, ':');
        if parts.next()? != PREFIX {
            return None;
        }
        let kind = parts.next()?;
        let first: u64 = parts.next()?.parse().ok()?;
        let rest = parts.next();
        Some(match (kind, rest) {
            ("solved", Some(entry)) => Action::Solved {
                author: first,
                entry: entry.to_owned(),
            },
            ("not-it", Some(entry)) => Action::NotIt {
                author: first,
                entry: entry.to_owned(),
            },
            ("dismiss", None) => Action::Dismiss { author: first },
            ("unlink", None) => Action::Unlink { message: first },
            ("link", Some(message)) => Action::Link {
                channel: first,
                message: message.parse().ok()?,
            },
            ("search", Some(message)) => Action::Search {
                channel: first,
                message: message.parse().ok()?,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip_and_reject_others() {
        let actions = [
            Action::Solved {
                author: 1,
                entry: "a-b".into(),
            },
            Action::NotIt {
                author: 2,
                entry: "c".into(),
            },
            Action::Dismiss { author: 3 },
            Action::Link {
                channel: 4,
                message: 5,
            },
            Action::Search {
                channel: 6,
                message: 7,
            },
            Action::Unlink { message: 8 },
        ];
        for action in actions {
            assert_eq!(Action::parse(&action.custom_id()), Some(action));
        }
        for other in [
            "",
            "faqbot",
            "faqbot:dismiss:x",
            "other:dismiss:1",
            "faqbot:link:1",
        ] {
            assert_eq!(Action::parse(other), None, "{other}");
        }
        let longest = Action::NotIt {
            author: u64::MAX,
            entry: "x".repeat(64),
        };
        assert!(longest.custom_id().len() <= 100);
    }

    #[test]
    fn an_action_naming_a_channel_belongs_only_there() {
        let pick = Action::Link {
            channel: 4,
            message: 5,
        };
        assert!(pick.belongs_in(4));
        assert!(!pick.belongs_in(9));
        let search = Action::Search {
            channel: 4,
            message: 5,
        };
        assert!(!search.belongs_in(9));
        assert!(Action::Dismiss { author: 1 }.belongs_in(9));
    }
}
