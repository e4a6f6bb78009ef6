//! Shopify's decimal amounts ("403.00", "1500", "12.345") in minor units
//! of their currency, exactly: no floating point, the exponent from ISO
//! 4217 (JPY has none, KWD three), and an amount finer than the currency's
//! minor unit is refused rather than rounded.

use iso_currency::Currency;

/// Why an amount cannot be taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoneyError {
    /// Not an ISO 4217 currency with minor units.
    UnknownCurrency(String),
    /// Not a plain non-negative decimal number.
    NotADecimal(String),
    /// More decimals than the currency has (e.g. 10.005 USD).
    NotExact(String),
    /// Too large to hold.
    TooLarge(String),
}

impl std::fmt::Display for MoneyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MoneyError::UnknownCurrency(c) => {
                write!(f, "{c:?} is not an ISO 4217 currency with minor units")
            }
            MoneyError::NotADecimal(a) => write!(f, "{a:?} is not a decimal amount"),
            MoneyError::NotExact(a) => write!(f, "{a:?} is finer than the currency's minor unit"),
            MoneyError::TooLarge(a) => write!(f, "{a:?} is too large"),
        }
    }
}

/// The minor-unit exponent of `currency` (2 for USD, 0 for JPY, 3 for KWD).
pub fn exponent(currency: &str) -> Result<u32, MoneyError> {
    Currency::from_code(currency)
        .and_then(|c| c.exponent())
        .map(u32::from)
        .ok_or_else(|| MoneyError::UnknownCurrency(currency.to_owned()))
}

/// `amount` of `currency` in minor units.
pub fn minor_units(amount: &str, currency: &str) -> Result<i64, MoneyError> {
    let exponent = exponent(currency)?;
    let not_decimal = || MoneyError::NotADecimal(amount.to_owned());
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || (amount.contains('.') && fraction.is_empty())
    {
        return Err(not_decimal());
    }
    let kept = fraction.len().min(exponent as usize);
    if fraction[kept..].bytes().any(|b| b != b'0') {
        return Err(MoneyError::NotExact(amount.to_owned()));
    }
    let too_large = || MoneyError::TooLarge(amount.to_owned());
    let scale = 10_i64.checked_pow(exponent).ok_or_else(too_large)?;
    let whole: i64 = whole.parse().map_err(|_| too_large())?;
    let mut cents: i64 = if kept == 0 {
        0
    } else {
        fraction[..kept].parse().map_err(|_| not_decimal())?
    };
    for _ in kept..exponent as usize {
        cents = cents.checked_mul(10).ok_or_else(too_large)?;
    }
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(too_large)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_exact_minor_units_by_the_currency_exponent() {
        assert_eq!(minor_units("403.00", "USD"), Ok(40_300));
        assert_eq!(minor_units("403.5", "USD"), Ok(40_350));
        assert_eq!(minor_units("403", "USD"), Ok(40_300));
        assert_eq!(minor_units("1500", "JPY"), Ok(1_500));
        assert_eq!(
            minor_units("1500.00", "JPY"),
            Ok(1_500),
            "zeros past the unit are exact"
        );
        assert_eq!(minor_units("12.345", "KWD"), Ok(12_345));
        assert_eq!(minor_units("12.3", "KWD"), Ok(12_300));
        assert_eq!(minor_units("999.99", "RUB"), Ok(99_999));
        assert_eq!(minor_units("0.00", "USD"), Ok(0));
    }

    #[test]
    fn inexact_malformed_unknown_or_huge_amounts_are_refused() {
        assert!(matches!(
            minor_units("10.005", "USD"),
            Err(MoneyError::NotExact(_))
        ));
        assert!(matches!(
            minor_units("1500.5", "JPY"),
            Err(MoneyError::NotExact(_))
        ));
        for bad in [
            "", ".5", "5.", "-1.00", "1e3", "1,00", " 1.00", "1.0.0", "١٢",
        ] {
            assert!(
                matches!(minor_units(bad, "USD"), Err(MoneyError::NotADecimal(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            minor_units("1.00", "XYZ"),
            Err(MoneyError::UnknownCurrency(_))
        ));
        assert!(matches!(
            minor_units("1.00", "usd"),
            Err(MoneyError::UnknownCurrency(_))
        ));
        assert!(matches!(
            minor_units("99999999999999999999", "USD"),
            Err(MoneyError::TooLarge(_))
        ));
    }
}
