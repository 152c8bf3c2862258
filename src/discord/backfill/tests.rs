//! Where a read-back starts in a place, and why one is owed.

use super::*;

/// M7 noted before M6 (handlers finish out of order), then a crash: the read-back starts
/// before every message still young enough, not after M7, so M6 is not skipped for good.
#[test]
fn a_place_is_read_from_the_first_young_message_not_only_after_the_newest_noted() {
    let now = 1_700_000_000_000;
    let at = |ago_ms: u64| time::first_id_at(now - ago_ms);
    let young = at(30_000).saturating_sub(1);
    let counted = now - 3_600_000;
    let noted = |newest, unfinished| PlaceSeen {
        place: 1,
        newest,
        unfinished,
        held_for_ms: None,
    };
    let (m6, m7) = (at(2_000), at(1_000));
    assert_eq!(noted_start(&noted(m7, None), young, counted), young);
    assert!(noted_start(&noted(m7, None), young, counted) < m6);
    // A place noted long ago starts after its newest: older ones are too late to answer.
    let old = at(120_000);
    assert_eq!(noted_start(&noted(old, None), young, counted), old);
    // An answer an earlier run left unfinished is read again, whenever it was.
    let unfinished = at(60_000);
    assert_eq!(
        noted_start(&noted(m7, Some(unfinished)), young, counted),
        unfinished - 1
    );
    // Never before what the read-back counts.
    let ancient = at(7_200_000);
    assert_eq!(
        noted_start(&noted(ancient, None), young, counted),
        time::first_id_at(counted)
    );
}

#[test]
fn a_read_back_is_owed_once_per_session() {
    let owed = ReadBackOwed::default();
    assert_eq!(owed.take(), None);
    owed.owe(Why::Start);
    assert_eq!(owed.take(), Some(Why::Start));
    assert_eq!(owed.take(), None);
    owed.owe(Why::Reconnect);
    assert_eq!(owed.take(), Some(Why::Reconnect));
    assert_eq!(ReadBackOwed::from(Why::Start).take(), Some(Why::Start));
}
