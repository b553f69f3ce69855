//! Crontab syntax as accepted by `gopkg.in/robfig/cron.v2`, shell-operator's scheduler.

use crate::duration::parse_go_duration;

/// Checks a `schedule[].crontab` value: 5 fields (seconds fixed at 0) or 6 fields,
/// a descriptor (`@hourly`, `@every 1h30m`, ...), and an optional `TZ=Area/City ` prefix.
pub fn validate_crontab(spec: &str) -> Result<(), String> {
    let mut spec = spec.trim();
    if let Some(rest) = spec.strip_prefix("TZ=") {
        let (zone, tail) =
            rest.split_once(' ').ok_or_else(|| format!("crontab {spec:?}: nothing after the time zone"))?;
        if zone.is_empty() {
            return Err("crontab: empty time zone".to_owned());
        }
        spec = tail.trim();
    }
    if let Some(descriptor) = spec.strip_prefix('@') {
        return validate_descriptor(descriptor);
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    let fields: Vec<&str> = match fields.len() {
        5 => std::iter::once("0").chain(fields).collect(),
        6 => fields,
        n => return Err(format!("crontab {spec:?}: expected 5 or 6 fields, found {n}")),
    };
    const BOUNDS: [(&str, u32, u32); 6] = [
        ("second", 0, 59),
        ("minute", 0, 59),
        ("hour", 0, 23),
        ("day of month", 1, 31),
        ("month", 1, 12),
        ("day of week", 0, 6),
    ];
    for (field, (what, min, max)) in fields.iter().zip(BOUNDS) {
        validate_field(field, min, max, what).map_err(|e| format!("crontab {spec:?}: {what}: {e}"))?;
    }
    Ok(())
}

fn validate_descriptor(d: &str) -> Result<(), String> {
    match d {
        "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly" => Ok(()),
        _ => match d.strip_prefix("every ") {
            Some(interval) => parse_go_duration(interval.trim()).map(|_| ()),
            None => Err(format!("unrecognized descriptor @{d}")),
        },
    }
}

fn validate_field(field: &str, min: u32, max: u32, what: &str) -> Result<(), String> {
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        let (start, end) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, what)?, value(b, what)?)
        } else {
            let v = value(range, what)?;
            (v, if step.is_some() { max } else { v })
        };
        if start < min || end > max {
            return Err(format!("{part:?} is outside {min}-{max}"));
        }
        if start > end {
            return Err(format!("{part:?}: range start is after its end"));
        }
        if let Some(step) = step {
            match step.parse::<u32>() {
                Ok(n) if n > 0 => {}
                _ => return Err(format!("{part:?}: step must be a positive number")),
            }
        }
    }
    Ok(())
}

fn value(text: &str, what: &str) -> Result<u32, String> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let lower = text.to_ascii_lowercase();
    let named = match what {
        "month" => MONTHS.iter().position(|m| *m == lower).map(|i| i as u32 + 1),
        "day of week" => DAYS.iter().position(|d| *d == lower).map(|i| i as u32),
        _ => None,
    };
    named.or_else(|| text.parse().ok()).ok_or_else(|| format!("{text:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::validate_crontab;

    #[test]
    fn accepted() {
        for ok in [
            "*/5 * * * *",
            "*/5 * * * * *",
            "0 0 * * mon-fri",
            "@every 1h30m",
            "@daily",
            "TZ=Europe/Berlin 0 3 * * *",
            "0,30 1-5/2 * JAN ?",
        ] {
            assert!(validate_crontab(ok).is_ok(), "{ok}: {:?}", validate_crontab(ok));
        }
    }

    #[test]
    fn rejected() {
        for bad in [
            "* * * *",
            "61 * * * *",
            "* * * * 8",
            "*/0 * * * *",
            "@sometimes",
            "@every 5",
            "5-1 * * * *",
            "a * * * *",
            "* * * * * * *",
        ] {
            assert!(validate_crontab(bad).is_err(), "{bad} must be rejected");
        }
    }
}
