//! What goes wrong on Discord's side, on demand: dead and closed connections, deleted messages,
//! REST outages, tighter rate limits, lost answers and windows used up by another client.

use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::json;

use super::world::GUILD;
use super::{lock, Control, Emulator};

impl Emulator {
    /// Makes the current gateway connection a zombie: it stays open but acknowledges no heartbeat
    /// and delivers nothing more, as a connection does when the network drops it silently. What
    /// is said meanwhile reaches only a session that resumes.
    pub fn stall(&self) {
        let newest = self.state.connections.load(Ordering::SeqCst);
        self.state.stalled.store(newest, Ordering::SeqCst);
    }

    /// Asks the bot to reconnect (op 7); it should come back with RESUME.
    pub fn reconnect(&self) {
        let _ = self.state.control.send(Control::Reconnect);
    }

    /// Closes the live connection with `code`.
    pub fn close(&self, code: u16) {
        let _ = self.state.control.send(Control::Close(code));
    }

    /// The author deletes message `id`.
    pub fn delete(&self, id: u64) {
        let removed = lock(&self.state.world).messages.remove(&id);
        if let Some(message) = removed {
            let data = json!({"id": id.to_string(), "channel_id": message["channel_id"], "guild_id": GUILD.to_string()});
            self.state.dispatch("MESSAGE_DELETE", data);
        }
    }

    /// Starts or ends a REST outage: every call fails with 503 (the gateway stays up).
    pub fn outage(&self, on: bool) {
        self.state.outage.store(on, Ordering::SeqCst);
    }

    /// Lets a channel's window hold `messages` from now on instead of Discord's published 5, as
    /// Discord may for a bucket; only the rate-limit headers tell.
    pub fn limit_channel_messages(&self, messages: usize) {
        self.state.channel_limit.store(messages, Ordering::SeqCst);
    }

    /// Posts the next `count` new channel messages but answers them with 502, as when Discord's
    /// answer is lost on the way back: a client that retries without a nonce posts twice.
    pub fn lose_answers(&self, count: usize) {
        self.state.lose_answers.store(count, Ordering::SeqCst);
    }

    /// Answers the next `count` reads (history, read-back) with a 429 that asks to wait
    /// `retry_after`, as a REST proxy or another client of the bot using the bucket makes Discord
    /// do; a read sent before that wait is over is recorded as [`Event::DisregardedLimit`].
    ///
    /// [`Event::DisregardedLimit`]: super::Event::DisregardedLimit
    pub fn refuse_reads(&self, count: usize, retry_after: std::time::Duration) {
        *lock(&self.state.read_refusals) = (count, retry_after, None);
    }

    /// Fills `channel`'s window as another client of the same bot would (a second process), so
    /// that the bot's next post there is refused with a 429 it could not foresee.
    pub fn use_up(&self, channel: u64) {
        let limit = self.state.channel_limit.load(Ordering::SeqCst);
        let now = Instant::now();
        let mut windows = lock(&self.state.channel_windows);
        let sent = windows.entry(channel).or_default();
        // A bucket opened now and used up.
        sent.clear();
        while sent.len() < limit {
            sent.push_back(now);
        }
    }
}
