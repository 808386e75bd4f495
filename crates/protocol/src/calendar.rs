//! Working days: the conclusion notice is due within five working days after the
//! meeting (Quyết định 45/2018/QĐ-TTg); Saturdays, Sundays and the office's holidays
//! (which the admin keeps, since Tết moves every year) do not count.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset, Weekday};

/// The office's time zone: Việt Nam's, UTC+7 all year. Deadlines, "done on" and the days
/// of the figures are the office's days whatever the clock zone of the machine.
pub const OFFICE_OFFSET: UtcOffset = time::macros::offset!(+7);

/// An instant as the office's clock reads it.
pub fn office_time(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(OFFICE_OFFSET)
}

/// The office's day of an instant.
pub fn office_day(t: OffsetDateTime) -> Date {
    office_time(t).date()
}

/// A day written `YYYY-MM-DD` (what [`parse_day`] reads).
pub fn iso_day(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `Date` as `"YYYY-MM-DD"` (for `#[serde(with = …)]`).
pub mod day_format {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};
    use time::Date;

    /// Writes `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::iso_day(*d))
    }

    /// Reads `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_day(&s).ok_or_else(|| D::Error::custom(format!("{s:?} is not a day (YYYY-MM-DD)")))
    }
}

/// Reads a day written `YYYY-MM-DD` (`None` for anything else, 31 February included).
pub fn parse_day(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let digits = [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u16>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::from(y), month, u8::try_from(d).ok()?).ok()
}

/// `Option<Date>` as `"YYYY-MM-DD"` or null.
pub mod opt_day_format {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::Date;

    #[derive(Serialize, Deserialize)]
    struct Day(#[serde(with = "super::day_format")] Date);

    /// Writes the day or null.
    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        d.map(Day).serialize(s)
    }

    /// Reads a day or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Ok(Option::<Day>::deserialize(d)?.map(|Day(d)| d))
    }
}

/// A day off the office keeps (a public holiday, a day given in lieu of one).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holiday {
    /// The day, `YYYY-MM-DD`.
    #[serde(with = "day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub day: Date,
    /// Its name ("Tết Nguyên đán"), may be empty.
    pub name: String,
}

/// Whether `day` is a working day: not a Saturday, a Sunday or one of `holidays`.
pub fn is_working_day(day: Date, holidays: &BTreeSet<Date>) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(&day)
}

/// The `n`th working day after `start` (`start` itself does not count): the last day to
/// issue a notice due "within `n` working days after" `start`. `n = 0` is `start`.
pub fn add_working_days(start: Date, n: u32, holidays: &BTreeSet<Date>) -> Date {
    let mut day = start;
    let mut left = n;
    while left > 0 {
        // A date past 9999-12-31 does not come up; stop there rather than panic.
        let Some(next) = day.next_day() else { return day };
        day = next;
        if is_working_day(day, holidays) {
            left -= 1;
        }
    }
    day
}

/// Working days from the day after `from` to `to` inclusive (0 when `to <= from`): how
/// late a notice issued on `to` for a meeting on `from` is, against its allowance.
pub fn working_days_between(from: Date, to: Date, holidays: &BTreeSet<Date>) -> u32 {
    let mut n = 0;
    let mut day = from;
    while day < to {
        let Some(next) = day.next_day() else { break };
        day = next;
        if is_working_day(day, holidays) {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn five_working_days_skip_weekends_and_holidays() {
        // 2027: Tết (Lunar New Year) holidays 5–11 Feb (Friday to Thursday), and the
        // Hùng Kings' day on Friday 16 April; 30 April and 1 May.
        let holidays: BTreeSet<Date> = [
            date!(2027 - 02 - 05),
            date!(2027 - 02 - 08),
            date!(2027 - 02 - 09),
            date!(2027 - 02 - 10),
            date!(2027 - 02 - 11),
            date!(2027 - 04 - 16),
            date!(2027 - 04 - 30),
        ]
        .into_iter()
        .collect();
        let cases = [
            // (meeting day, due): a Monday meeting is due on the next Monday.
            (date!(2026 - 12 - 07), date!(2026 - 12 - 14)),
            // Wednesday → the next Wednesday.
            (date!(2026 - 12 - 09), date!(2026 - 12 - 16)),
            // Friday → the next Friday (the weekend does not count).
            (date!(2026 - 12 - 11), date!(2026 - 12 - 18)),
            // A Saturday meeting: Monday is the first day.
            (date!(2026 - 12 - 12), date!(2026 - 12 - 18)),
            // Just before Tết: Thursday 4 Feb; Fri 5 and Mon 8–Thu 11 are off, so Fri 12,
            // Mon 15 … Thu 18.
            (date!(2027 - 02 - 04), date!(2027 - 02 - 18)),
            // Over the Hùng Kings' day: Tue 13 Apr → Wed 14, Thu 15, (Fri 16 off), Mon 19,
            // Tue 20, Wed 21.
            (date!(2027 - 04 - 13), date!(2027 - 04 - 21)),
            // Over 30 April (Friday) and the weekend of 1–2 May: Wed 28 → Thu 29, Mon 3,
            // Tue 4, Wed 5, Thu 6.
            (date!(2027 - 04 - 28), date!(2027 - 05 - 06)),
            // Across the year's end: Wed 30 Dec 2026 → Thu 31, Mon 4, Tue 5, Wed 6, Thu 7
            // (1 January 2027 is a Friday; the office lists it or not — here it is not).
            (date!(2026 - 12 - 30), date!(2027 - 01 - 06)),
        ];
        for (meeting, due) in cases {
            assert_eq!(add_working_days(meeting, 5, &holidays), due, "a meeting on {meeting}");
            assert_eq!(working_days_between(meeting, due, &holidays), 5, "{meeting} → {due}");
        }
        let new_year: BTreeSet<Date> = [date!(2027 - 01 - 01)].into_iter().collect();
        assert_eq!(add_working_days(date!(2026 - 12 - 30), 5, &new_year), date!(2027 - 01 - 07));
        assert_eq!(add_working_days(date!(2026 - 12 - 30), 0, &holidays), date!(2026 - 12 - 30));
        assert_eq!(working_days_between(date!(2026 - 12 - 18), date!(2026 - 12 - 11), &holidays), 0);
    }

    #[test]
    fn days_read_and_write_as_iso_dates() {
        let h = Holiday { day: date!(2027 - 02 - 05), name: "Tết".into() };
        let v = serde_json::to_value(&h).expect("serialise");
        assert_eq!(v["day"], "2027-02-05");
        let back: Holiday = serde_json::from_value(v).expect("read back");
        assert_eq!(back, h);
        assert!(serde_json::from_value::<Holiday>(serde_json::json!({"day": "5/2/2027", "name": ""})).is_err());
        for bad in ["2027-02-30", "2027-2-05", "27-02-05", "2027-13-01", "2027/02/05", "+027-02-05"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        assert_eq!(parse_day("2028-02-29"), Some(date!(2028 - 02 - 29)));
    }
}
