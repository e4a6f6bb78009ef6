//! Versions of stored documents, minted by the handler for every store.

use crate::{Entropy, Version};

/// Versions stay below 2^53, so JavaScript stores keep them as numbers.
const LIMIT: u64 = 1 << 53;

/// A fresh version: random, nonzero, below 2^53. Two writes of one
/// document get the same version with a chance of one in 2^53.
pub fn mint(entropy: &impl Entropy) -> Version {
    let mut bytes = [0u8; 8];
    entropy.fill(&mut bytes);
    (u64::from_le_bytes(bytes) % (LIMIT - 1)) + 1
}
