//! Posts and reads within Discord's limits, replayed against how Discord counts them.

use super::*;

#[test]
fn a_full_window_waits_for_its_oldest_answer() {
    let start = Instant::now();
    let mut sent = Window {
        answered: (0..5)
            .map(|n| start + Duration::from_millis(n * 100))
            .collect(),
        under_way: 0,
    };
    let now = start + Duration::from_millis(1000);
    let window = Duration::from_secs(5);
    assert_eq!(
        sent.room(5, window, now),
        Room::After(Duration::from_secs(4))
    );
    // Once the oldest is out of the window, there is room again.
    let later = start + Duration::from_millis(5050);
    assert_eq!(sent.room(5, window, later), Room::Now);
    assert_eq!(sent.answered.len(), 4);
    // Requests under way hold their slots: with every slot held, only an answer frees one.
    sent.answered.clear();
    sent.under_way = 5;
    assert_eq!(sent.room(5, window, later), Room::WhenAnswered);
}

/// Requests delayed on their way may arrive together, so a request counts from its answer: a
/// window full of requests under way lets the next go only once one is answered, and then
/// not before a whole window after that answer.
#[tokio::test]
async fn a_request_counts_from_its_answer_not_from_its_start() {
    let sender = Sender::with_share(2);
    let soon = || Instant::now() + Duration::from_millis(300);
    let first = sender.slot(None, soon()).await.expect("room");
    let _second = sender.slot(None, soon()).await.expect("room");
    assert!(
        sender.slot(None, soon()).await.is_err(),
        "both slots are under way"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let answered = Instant::now();
    drop(first);
    let third = sender.slot(None, answered + GLOBAL_WINDOW * 2).await;
    assert!(third.is_ok());
    assert!(
        answered.elapsed() >= GLOBAL_WINDOW - Duration::from_millis(5),
        "the freed slot counts from the answer, {:?} ago",
        answered.elapsed()
    );
}

/// The flaky history test's cause, replayed: Discord (the emulator) counts a read when it
/// arrives. One read held up on its way, then many quick ones: counted from when each left,
/// the fifty-first arrives within a second of the held one, over Discord's 50 a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_held_up_on_their_way_never_arrive_over_discords_limit() {
    let sender = Sender::default();
    let arrivals = Mutex::new(Vec::new());
    let deadline = Instant::now() + Duration::from_secs(30);
    for read in 0..110 {
        // As `get` makes a read: a slot held until the answer.
        let slot = sender
            .slot(None, deadline)
            .await
            .expect("room before the deadline");
        if read == 0 {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        arrivals.lock().unwrap().push(Instant::now());
        drop(slot);
    }
    let arrivals = arrivals.into_inner().unwrap();
    let busiest = (0..arrivals.len())
        .map(|first| {
            arrivals[first..]
                .iter()
                .take_while(|at| at.duration_since(arrivals[first]) < Duration::from_secs(1))
                .count()
        })
        .max();
    assert!(busiest <= Some(50), "{busiest:?} arrived within a second");
}

#[tokio::test]
async fn a_process_takes_only_its_share_of_the_global_window() {
    let soon = || Instant::now() + Duration::from_millis(200);
    let half = Sender::with_share(25);
    for _ in 0..25 {
        assert!(half.slot(None, soon()).await.is_ok());
    }
    assert!(half.slot(None, soon()).await.is_err(), "its share is spent");
    let whole = Sender::default();
    for _ in 0..50 {
        assert!(whole.slot(None, soon()).await.is_ok());
    }
    assert!(whole.slot(None, soon()).await.is_err());
}
