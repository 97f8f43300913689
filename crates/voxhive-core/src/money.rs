//! Money and other exact decimals as scaled integers: never floats summed.

/// Why a decimal string was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecimalError {
    #[error("enter a number such as 0.00022")]
    NotANumber,
    #[error("use at most {0} decimal places")]
    TooPrecise(u32),
    #[error("the number is too large")]
    TooLarge,
    #[error("the number cannot be negative")]
    Negative,
}

/// Parses a non-negative decimal such as `0.00022` into an integer scaled by `10^decimals`
/// (`0.00022` with 9 decimals is `220000`), exactly.
pub fn parse_scaled(input: &str, decimals: u32) -> Result<i64, DecimalError> {
    let s = input.trim();
    if s.starts_with('-') {
        return Err(DecimalError::Negative);
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return Err(DecimalError::NotANumber);
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > decimals as usize {
        return Err(DecimalError::TooPrecise(decimals));
    }
    let scale = 10i64.pow(decimals);
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| DecimalError::TooLarge)?
    };
    let frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i64>().map_err(|_| DecimalError::TooLarge)?
    };
    let frac_scaled = frac_value * 10i64.pow(decimals - frac.len() as u32);
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_scaled))
        .ok_or(DecimalError::TooLarge)
}

/// Writes a scaled integer back as a decimal without trailing zeros: `220000` at 9 decimals is `0.00022`.
pub fn format_scaled(value: i64, decimals: u32) -> String {
    let scale = 10i64.pow(decimals);
    let sign = if value < 0 { "-" } else { "" };
    let v = value.unsigned_abs();
    let (whole, frac) = (v / scale as u64, v % scale as u64);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{frac:0width$}", width = decimals as usize);
    format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
}

/// Rounds a decimal in text (`0.1234`, `-2.5`, `1e-7`, `1.25E+3`) to an integer scaled by
/// `10^decimals`, half away from zero, by decimal arithmetic on its digits (never through a float).
pub fn round_scaled(input: &str, decimals: u32) -> Result<i64, DecimalError> {
    let s = input.trim();
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => {
            let exponent: i64 = s[i + 1..].parse().map_err(|_| DecimalError::NotANumber)?;
            (&s[..i], exponent)
        }
        None => (s, 0),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let is_digits = |p: &str| p.bytes().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !is_digits(whole) || !is_digits(frac) {
        return Err(DecimalError::NotANumber);
    }
    // The value is 0.DIGITS × 10^point; scaled, the units end `point + decimals` digits in.
    let digits: Vec<u8> = whole.bytes().chain(frac.bytes()).map(|c| c - b'0').collect();
    let point = whole.len() as i64 + exponent;
    let cut = point.saturating_add(i64::from(decimals));
    let mut units: i128 = 0;
    for i in 0..cut.clamp(0, digits.len() as i64 + 40) {
        let digit = digits.get(i as usize).copied().unwrap_or(0);
        units = units
            .checked_mul(10)
            .and_then(|u| u.checked_add(i128::from(digit)))
            .filter(|u| *u <= i128::from(i64::MAX))
            .ok_or(DecimalError::TooLarge)?;
    }
    if cut > digits.len() as i64 + 40 && units != 0 {
        return Err(DecimalError::TooLarge);
    }
    let next = usize::try_from(cut)
        .ok()
        .and_then(|i| digits.get(i))
        .copied()
        .unwrap_or(0);
    if next >= 5 {
        units += 1;
    }
    let units = i64::try_from(units).map_err(|_| DecimalError::TooLarge)?;
    Ok(if negative { -units } else { units })
}

/// A provider's amount (a JSON number, read from its shortest decimal text) in micro-units:
/// `0.1` is `100000`, `1e-7` rounds to `0`, `0.0000015` to `2`.
pub fn micros_from_number(number: &serde_json::Number) -> Result<i64, DecimalError> {
    round_scaled(&number.to_string(), 6)
}

/// Digits with a comma every three: `1234567` is `1,234,567`, `-1000` is `-1,000`.
pub fn format_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Micro-USD as dollars rounded to the cent with thousands separators: `$1,234.57`.
pub fn format_usd(micro: i64) -> String {
    let sign = if micro < 0 { "-" } else { "" };
    let cents = (micro.unsigned_abs() + 5_000) / 10_000;
    let whole = format_thousands(i64::try_from(cents / 100).unwrap_or(i64::MAX));
    format!("{sign}${whole}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        round_scaled(text, 6).unwrap()
    }

    #[test]
    fn provider_decimals_round_half_away_from_zero_by_their_digits() {
        assert_eq!(micros("0.1") + micros("0.2"), 300_000);
        assert_eq!(micros("0.1234"), 123_400);
        assert_eq!(micros("0.0000015"), 2);
        assert_eq!(micros("0.0000014999"), 1);
        assert_eq!(micros("-0.0000015"), -2);
        assert_eq!(micros("0.00000049"), 0);
        assert_eq!(micros("2.5"), 2_500_000);
        assert_eq!(micros("7"), 7_000_000);
        assert_eq!(micros("0.123456789"), 123_457);
        assert_eq!(round_scaled("2.5", 0), Ok(3));
        assert_eq!(round_scaled("-2.5", 0), Ok(-3));
    }

    #[test]
    fn exponent_forms_are_read_exactly() {
        assert_eq!(micros("1e-7"), 0);
        assert_eq!(micros("5e-7"), 1);
        assert_eq!(micros("1.5E-6"), 2);
        assert_eq!(micros("1.25e3"), 1_250_000_000);
        assert_eq!(micros("1e+2"), 100_000_000);
        assert_eq!(micros("123e-2"), 1_230_000);
        assert_eq!(micros("1e-400"), 0);
    }

    #[test]
    fn large_values_are_exact_or_refused() {
        assert_eq!(micros("9223372036854.775807"), i64::MAX);
        assert_eq!(micros("1234567890123.4567894"), 1_234_567_890_123_456_789);
        assert_eq!(round_scaled("9223372036855", 6), Err(DecimalError::TooLarge));
        assert_eq!(round_scaled("1e30", 6), Err(DecimalError::TooLarge));
        assert_eq!(round_scaled("1e400", 6), Err(DecimalError::TooLarge));
        assert_eq!(round_scaled("0e400", 6), Ok(0));
        assert_eq!(round_scaled("1e", 6), Err(DecimalError::NotANumber));
        assert_eq!(round_scaled("e5", 6), Err(DecimalError::NotANumber));
        assert_eq!(round_scaled("1.2.3", 6), Err(DecimalError::NotANumber));
    }

    #[test]
    fn json_numbers_convert_from_their_shortest_text() {
        let n = |v: serde_json::Value| micros_from_number(v.as_number().unwrap()).unwrap();
        assert_eq!(n(serde_json::json!(0.1)) + n(serde_json::json!(0.2)), 300_000);
        assert_eq!(n(serde_json::json!(1e-7)), 0);
        assert_eq!(n(serde_json::json!(0.0837)), 83_700);
        assert_eq!(n(serde_json::json!(42)), 42_000_000);
        let parsed: serde_json::Value = serde_json::from_str("0.30000000000000004").unwrap();
        assert_eq!(n(parsed), 300_000);
    }

    #[test]
    fn dollars_are_shown_to_the_cent_with_separators() {
        assert_eq!(format_usd(1_234_567_890), "$1,234.57");
        assert_eq!(format_usd(0), "$0.00");
        assert_eq!(format_usd(100_000), "$0.10");
        assert_eq!(format_usd(8_200_000), "$8.20");
        assert_eq!(format_usd(-1_500_000), "-$1.50");
        assert_eq!(format_usd(1_000_000_000_000), "$1,000,000.00");
        assert_eq!(format_usd(i64::MIN), "-$9,223,372,036,854.78");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(format_thousands(1_234_567), "1,234,567");
        assert_eq!(format_thousands(999), "999");
        assert_eq!(format_thousands(0), "0");
        assert_eq!(format_thousands(-1_000), "-1,000");
        assert_eq!(format_thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(parse_scaled("0.00022", 9), Ok(220_000));
        assert_eq!(parse_scaled("1", 6), Ok(1_000_000));
        assert_eq!(parse_scaled(".5", 6), Ok(500_000));
        assert_eq!(
            parse_scaled("0.1", 6).unwrap() + parse_scaled("0.2", 6).unwrap(),
            300_000
        );
        assert_eq!(parse_scaled("2.50000", 2), Ok(250));
    }

    #[test]
    fn bad_decimals_are_refused_with_a_reason() {
        assert_eq!(parse_scaled("abc", 6), Err(DecimalError::NotANumber));
        assert_eq!(parse_scaled("", 6), Err(DecimalError::NotANumber));
        assert_eq!(parse_scaled("-1", 6), Err(DecimalError::Negative));
        assert_eq!(parse_scaled("0.0000000001", 9), Err(DecimalError::TooPrecise(9)));
        assert_eq!(parse_scaled("99999999999999999999", 9), Err(DecimalError::TooLarge));
    }

    #[test]
    fn scaled_values_format_back() {
        assert_eq!(format_scaled(220_000, 9), "0.00022");
        assert_eq!(format_scaled(3_000_000, 6), "3");
        assert_eq!(format_scaled(-1_500_000, 6), "-1.5");
    }
}
