//! Rewards (SPEC 2.4): redeeming points for a unique, unguessable coupon.

use serde::{Deserialize, Serialize};

use crate::program::RewardKind;
use crate::time::Instant;

/// A source of unpredictable bytes, passed in so the rules stay pure
/// (the server and the edge give the OS or Web Crypto generator; tests a
/// seeded one).
pub trait RandomSource {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

impl<F: FnMut(&mut [u8])> RandomSource for F {
    fn fill(&mut self, buf: &mut [u8]) {
        self(buf)
    }
}

/// Crockford's base 32: digits and letters without I, L, O and U, so no
/// two symbols are mistaken for each other when read aloud or typed.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Symbols per coupon code: 12 × 5 bits = 60 bits of randomness.
const CODE_SYMBOLS: usize = 12;

/// A coupon code such as `K7QM-3XHD-W9TA`: 12 random symbols in groups
/// of four.
pub fn coupon_code(random: &mut dyn RandomSource) -> String {
    let mut bytes = [0u8; CODE_SYMBOLS];
    random.fill(&mut bytes);
    let mut code = String::with_capacity(CODE_SYMBOLS + 2);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        // 256 is a multiple of 32, so masking keeps every symbol equally likely.
        code.push(char::from(ALPHABET[usize::from(byte & 31)]));
    }
    code
}

/// A redemption the customer made.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Redemption {
    /// Identifier of the redemption.
    pub id: String,
    /// The reward redeemed.
    pub reward_id: String,
    /// The coupon code given.
    pub code: String,
    /// Points spent.
    pub points: i64,
    /// When.
    pub at: Instant,
    /// The reward's name when redeemed (the program may change later).
    #[serde(default)]
    pub name: String,
    /// The reward's kind when redeemed.
    #[serde(default)]
    pub kind: Option<RewardKind>,
    /// The reward's value when redeemed.
    #[serde(default)]
    pub value: i64,
    /// When the checkout used the code, if it has.
    #[serde(default)]
    pub used_at: Option<Instant>,
    /// The order the code was used for.
    #[serde(default)]
    pub order_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet_in_groups() {
        let mut counter = 0u8;
        let mut source = |buf: &mut [u8]| {
            for b in buf {
                *b = counter;
                counter = counter.wrapping_add(37);
            }
        };
        let code = coupon_code(&mut source);
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        assert!(
            code.chars()
                .filter(|c| *c != '-')
                .all(|c| ALPHABET.contains(&(c as u8)))
        );
        assert_ne!(code, coupon_code(&mut source), "new bytes give a new code");
    }
}
