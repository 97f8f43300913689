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

#[cfg(test)]
mod tests {
    use super::*;

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
