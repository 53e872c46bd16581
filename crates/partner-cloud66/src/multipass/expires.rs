//! `expires` as Cloud 66 and the gem write it, and Ruby's UTC text.

use partner_core::UnixTime;
use serde_json::Value;

/// `2015-05-19 16:24:48 UTC`.
pub fn ruby_utc(time: UnixTime) -> String {
    match time::OffsetDateTime::from_unix_timestamp(time.as_secs()) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => time.to_string(),
    }
}

/// Reads `expires` in the forms the conformance format lists:
/// `2015-05-19 16:24:48 UTC`, `2015-05-19 16:24:48 +0000` (any offset),
/// RFC 3339, or integer seconds (a JSON integer or a string of digits).
pub fn parse_expires(value: &Value) -> Option<UnixTime> {
    match value {
        // Fractional seconds (as Ruby's Time#to_f writes them): rounded down.
        Value::Number(_) => UnixTime::from_numeric_date(value).ok(),
        Value::String(s) => parse_expires_text(s),
        _ => None,
    }
}

/// [`parse_expires`] of a JSON string, without the `Value`.
pub(super) fn parse_expires_text(s: &str) -> Option<UnixTime> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return UnixTime::parse_secs(s).ok();
    }
    if let Some(t) = parse_ruby_utc(s) {
        return Some(t);
    }
    let utc = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    let offset = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
    );
    let parsed = time::PrimitiveDateTime::parse(s, utc)
        .map(time::PrimitiveDateTime::assume_utc)
        .or_else(|_| time::OffsetDateTime::parse(s, offset))
        .or_else(|_| time::OffsetDateTime::parse(s, &Rfc3339))
        .ok()?;
    Some(UnixTime::from_secs(parsed.unix_timestamp()))
}

/// `YYYY-MM-DD HH:MM:SS UTC` without a format interpreter: the form Cloud 66
/// writes, read on every callback. Calendar checks are `time`'s.
fn parse_ruby_utc(s: &str) -> Option<UnixTime> {
    let b = s.as_bytes();
    if b.len() != 23
        || &b[19..] != b" UTC"
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter()
            .try_fold(0u32, |acc, d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(num(8..10)?).ok()?).ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(14..16)?).ok()?,
        u8::try_from(num(17..19)?).ok()?,
    )
    .ok()?;
    Some(UnixTime::from_secs(
        time::PrimitiveDateTime::new(date, clock).assume_utc().unix_timestamp(),
    ))
}
