//! Plain functions behind the loyalty section: expiries by calendar day
//! and progress toward the next tier (tested natively).

use crate::model::Expiring;

/// How many expiry days show before "Show all".
pub const NEAREST_DAYS: usize = 5;

/// The points expiring on one calendar day of the shopper.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpiryDay {
    /// The day, as `day_of` names it.
    pub day: String,
    /// The earliest instant that day (the calendar reminder's).
    pub first: String,
    /// The points expiring that day.
    pub points: i64,
}

/// `expiring` (soonest first) merged by the day `day_of` gives each
/// instant: a customer with hundreds of lots gets one row per day.
pub fn by_day(expiring: &[Expiring], day_of: impl Fn(&str) -> String) -> Vec<ExpiryDay> {
    let mut days: Vec<ExpiryDay> = Vec::new();
    for e in expiring {
        let day = day_of(&e.expires_at);
        match days.iter_mut().find(|d| d.day == day) {
            Some(d) => d.points += e.points,
            None => days.push(ExpiryDay {
                day,
                first: e.expires_at.clone(),
                points: e.points,
            }),
        }
    }
    days
}

/// The progress bar toward a tier starting at `threshold`: `(value, max)`
/// with the value within `0..=max`; none for a threshold of 0.
pub fn tier_progress(qualifying: i64, threshold: i64) -> Option<(i64, i64)> {
    (threshold > 0).then(|| (qualifying.clamp(0, threshold), threshold))
}

#[cfg(test)]
mod tests {
    use super::{ExpiryDay, by_day, tier_progress};
    use crate::model::Expiring;

    fn lot(points: i64, at: &str) -> Expiring {
        Expiring {
            points,
            expires_at: at.to_owned(),
        }
    }

    #[test]
    fn lots_of_one_day_become_one_row_with_the_earliest_instant() {
        let date = |at: &str| at[..10].to_owned();
        let days = by_day(
            &[
                lot(10, "2026-12-03T09:00:00Z"),
                lot(5, "2026-12-03T21:00:00Z"),
                lot(7, "2026-12-04T00:00:00Z"),
                lot(1, "2026-12-03T23:59:59Z"),
            ],
            date,
        );
        let day = |day: &str, first: &str, points| ExpiryDay {
            day: day.into(),
            first: first.into(),
            points,
        };
        assert_eq!(
            days,
            [
                day("2026-12-03", "2026-12-03T09:00:00Z", 16),
                day("2026-12-04", "2026-12-04T00:00:00Z", 7),
            ]
        );
        assert_eq!(by_day(&[], date), []);
    }

    #[test]
    fn the_day_is_the_shoppers_not_utcs() {
        // 21:00 UTC is the next day in Moscow (UTC+3).
        let moscow = |at: &str| if at.contains("T21") { "04" } else { "03" }.to_owned();
        let days = by_day(
            &[
                lot(10, "2026-12-03T09:00:00Z"),
                lot(5, "2026-12-03T21:00:00Z"),
            ],
            moscow,
        );
        assert_eq!(days.len(), 2);
        assert_eq!((days[0].points, days[1].points), (10, 5));
    }

    #[test]
    fn many_lots_sum_exactly() {
        let lots: Vec<_> = (0..600)
            .map(|i| lot(i, &format!("2027-01-{:02}T10:00:00Z", 1 + i % 30)))
            .collect();
        let days = by_day(&lots, |at| at[..10].to_owned());
        assert_eq!(days.len(), 30);
        assert_eq!(
            days.iter().map(|d| d.points).sum::<i64>(),
            (0..600).sum::<i64>()
        );
    }

    #[test]
    fn progress_is_clamped_to_the_threshold() {
        assert_eq!(tier_progress(450, 1000), Some((450, 1000)));
        assert_eq!(tier_progress(1200, 1000), Some((1000, 1000)));
        assert_eq!(tier_progress(-5, 1000), Some((0, 1000)));
        assert_eq!(tier_progress(10, 0), None);
    }
}
