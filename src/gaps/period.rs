//! A gap's figures over a period: how many asked in it, who, from when to when, and how many in
//! the period before (the trend), from the questions' times and askers.

use super::Found;

/// One gap's figures for the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InPeriod {
    /// The gap's index in [`Found::gaps`].
    pub index: usize,
    /// Its questions asked in the period.
    pub count: usize,
    /// The members who asked them.
    pub askers: usize,
    /// Its questions of the period before.
    pub before: usize,
    pub first_ms: u64,
    pub last_ms: u64,
}

/// The gaps with questions in the period (asked at or after `since_ms`), most asked first, with
/// their figures; `asked[i]` is question i's time and asker.
pub fn in_period(found: &Found, asked: &[(u64, u64)], since_ms: u64) -> Vec<InPeriod> {
    groups_in_period(
        found.gaps.iter().map(|gap| gap.members.as_slice()),
        asked,
        since_ms,
    )
}

/// [`in_period`] for any groups of questions (the pages' gaps too): `index` is a group's place
/// in `groups`.
pub fn groups_in_period<'a>(
    groups: impl IntoIterator<Item = &'a [usize]>,
    asked: &[(u64, u64)],
    since_ms: u64,
) -> Vec<InPeriod> {
    let mut listed: Vec<InPeriod> = groups
        .into_iter()
        .enumerate()
        .filter_map(|(index, members)| {
            let now: Vec<(u64, u64)> = members
                .iter()
                .map(|&m| asked[m])
                .filter(|&(at, _)| at >= since_ms)
                .collect();
            let mut askers: Vec<u64> = now.iter().map(|&(_, user)| user).collect();
            askers.sort_unstable();
            askers.dedup();
            Some(InPeriod {
                index,
                count: now.len(),
                askers: askers.len(),
                before: members.len() - now.len(),
                first_ms: now.iter().map(|&(at, _)| at).min()?,
                last_ms: now.iter().map(|&(at, _)| at).max()?,
            })
        })
        .collect();
    listed.sort_by(|a, b| b.count.cmp(&a.count).then(a.index.cmp(&b.index)));
    listed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gaps::Gap;

    fn gap(members: Vec<usize>) -> Gap {
        Gap {
            label: String::new(),
            central: members[0],
            more: Vec::new(),
            members,
            closest: None,
        }
    }

    #[test]
    fn a_gap_counts_its_period_and_the_one_before_and_old_gaps_drop_out() {
        let found = Found {
            gaps: vec![gap(vec![0, 1, 2]), gap(vec![3, 4, 5]), gap(vec![6, 7, 8])],
            noise: 0,
        };
        // (time, asker): the first gap is half old, the second all new, the third all old.
        let asked = [
            (5, 1),
            (15, 1),
            (16, 2),
            (11, 3),
            (12, 3),
            (13, 4),
            (1, 5),
            (2, 5),
            (3, 6),
        ];
        let listed = in_period(&found, &asked, 10);
        assert_eq!(
            listed,
            [
                InPeriod {
                    index: 1,
                    count: 3,
                    askers: 2,
                    before: 0,
                    first_ms: 11,
                    last_ms: 13
                },
                InPeriod {
                    index: 0,
                    count: 2,
                    askers: 2,
                    before: 1,
                    first_ms: 15,
                    last_ms: 16
                },
            ]
        );
    }
}
