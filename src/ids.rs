//! Discord's ids as the layers below the Discord layer see them: one type per kind, so that a
//! channel id cannot be passed where a user id belongs. The service has no serenity types, so it
//! has its own; the Discord layer converts at its edge.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl $name {
            /// The id as Discord writes it.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A server.
    GuildId
);
id!(
    /// A channel, thread or forum post.
    ChannelId
);
id!(
    /// A message (a member's, or the bot's post).
    MessageId
);
id!(
    /// A member or user.
    UserId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_shows_and_gives_back_its_number() {
        assert_eq!(ChannelId(42).to_string(), "42");
        assert_eq!(UserId(7).get(), 7);
        assert!(MessageId(1) < MessageId(2));
    }
}
