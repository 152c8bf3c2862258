//! Discord's numbers that the emulator speaks, by name.

/// Interaction types.
pub const APPLICATION_COMMAND: u8 = 2;
pub const MESSAGE_COMPONENT: u8 = 3;
pub const AUTOCOMPLETE: u8 = 4;
pub const MODAL_SUBMIT: u8 = 5;

/// Interaction callback types.
pub const CHANNEL_MESSAGE: u64 = 4;
pub const DEFERRED_CHANNEL_MESSAGE: u64 = 5;
pub const DEFERRED_UPDATE_MESSAGE: u64 = 6;
pub const UPDATE_MESSAGE: u64 = 7;
pub const AUTOCOMPLETE_RESULT: u64 = 8;
pub const MODAL: u64 = 9;

/// Application command types.
pub const CHAT_INPUT: u64 = 1;
pub const MESSAGE_COMMAND: u64 = 3;

/// Component types.
pub const ACTION_ROW: u64 = 1;
pub const BUTTON: u64 = 2;
pub const STRING_SELECT: u64 = 3;
pub const TEXT_INPUT: u64 = 4;

/// Channel types.
pub const GUILD_TEXT: u8 = 0;
pub const PUBLIC_THREAD: u8 = 11;
pub const GUILD_FORUM: u8 = 15;

/// Message type of a reply.
pub const REPLY: u64 = 19;
/// Message flag: only the user of the interaction sees it.
pub const EPHEMERAL: u64 = 1 << 6;
