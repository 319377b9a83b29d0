//! Password hashing (argon2id) and the password policy. Hashing is CPU-heavy: call the async
//! wrappers from handlers so it runs on the blocking pool, never on the executor.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher, Version};
use subtle::ConstantTimeEq;

use crate::error::AppError;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

#[expect(clippy::expect_used, reason = "the parameters are constants within argon2's ranges")]
fn hasher() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, two passes, one lane.
    let params = Params::new(19_456, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string.
pub fn hash(password: &str) -> Result<String, AppError> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

/// True when `password` matches the PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    verify_in(password, phc, &mut Vec::new())
}

/// [`verify`], working in `memory` (grown to the hash's cost and kept for the next call), so a
/// stream of sign-ins reuses a few buffers instead of allocating 19 MiB each, which the
/// allocator's per-thread arenas would otherwise keep long after a flood.
fn verify_in(password: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let Ok(algorithm) = Algorithm::new(hash.algorithm.as_str()) else { return false };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&hash) else { return false };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut output = [0u8; 64];
    let Some(output) = output.get_mut(..expected.len()) else { return false };
    let argon2 = Argon2::new(algorithm, version, params);
    let Some(memory) = memory.get_mut(..blocks) else { return false };
    argon2.hash_password_into_with_memory(password.as_bytes(), salt, output, memory).is_ok()
        && bool::from(output.ct_eq(expected.as_bytes()))
}

/// Runs hashing on the blocking pool, at most a few at a time: each hash holds 19 MiB and a
/// blocking thread, and an unbounded sign-in flood would otherwise exhaust memory and starve
/// the database work that shares that pool. Excess requests queue here.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<tokio::sync::Semaphore>,
    /// Working memory for verification, one buffer per permit, reused.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    concurrent: usize,
}

impl Passwords {
    /// Allows `concurrent` hashes at once (at least one).
    pub fn new(concurrent: usize) -> Passwords {
        Passwords {
            permits: Arc::new(tokio::sync::Semaphore::new(concurrent.max(1))),
            memory: Arc::new(Mutex::new(Vec::new())),
            concurrent: concurrent.max(1),
        }
    }

    /// Hashes that may run at once.
    pub fn permits(&self) -> usize {
        self.concurrent
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| AppError::Internal(e.into()))?;
        // The permit goes with the work: if the request is dropped, the hash still runs to its
        // end on the blocking thread and holds its permit (and memory) until then.
        actix_web::web::block(move || {
            let value = work();
            drop(permit);
            value
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash(&password)).await?
    }

    pub async fn verify(&self, password: String, phc: String) -> Result<bool, AppError> {
        let pool = self.memory.clone();
        self.run(move || {
            // A buffer is only taken while holding a permit, so the pool never holds more
            // buffers than there are permits. Freeing them instead would hand 19 MiB blocks
            // back to the allocator's per-thread arenas, which keep them (hundreds of MB after
            // a flood); kept here they stay at permits × 19 MiB.
            let mut memory = pool.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
            let matches = verify_in(&password, &phc, &mut memory);
            pool.lock().unwrap_or_else(PoisonError::into_inner).push(memory);
            matches
        })
        .await
    }
}

/// Checks the policy: 12 to 128 characters, no composition rules, and not guessable according
/// to zxcvbn (which also penalises the user's own name and email). Returns the message to show.
pub fn check_policy(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!(
            "Use at least {MIN_LEN} characters. A few unrelated words make a good password."
        ));
    }
    if chars > MAX_LEN {
        return Err(format!("Use at most {MAX_LEN} characters."));
    }
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    if (estimate.score() as u8) < 3 {
        let hint =
            estimate.feedback().and_then(|f| f.warning()).map(|w| format!(" ({w})")).unwrap_or_default();
        return Err(format!(
            "This password is too easy to guess{hint}. Try a longer phrase of unrelated words."
        ));
    }
    Ok(())
}

/// A random password for an admin to hand over; the user must change it at first sign-in.
pub fn generate_temporary() -> Result<String, AppError> {
    // 20 characters from a 54-symbol alphabet without look-alikes: about 115 bits.
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    let chars: String =
        bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    Ok(format!("{}-{}-{}-{}", &chars[0..5], &chars[5..10], &chars[10..15], &chars[15..20]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_chosen_parameters() {
        let phc = hash("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapl", &phc));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn reused_memory_verifies_exactly_as_argon2_does() {
        use argon2::PasswordVerifier;
        let costs =
            [(19_456, 2, Algorithm::Argon2id), (8, 1, Algorithm::Argon2i), (4_096, 3, Algorithm::Argon2d)];
        let mut memory = Vec::new();
        for (m_cost, t_cost, algorithm) in costs {
            let params = Params::new(m_cost, t_cost, 1, None).unwrap();
            let argon2 = Argon2::new(algorithm, Version::V0x13, params);
            let phc = argon2.hash_password(b"quiet-maple-lantern-47").unwrap().to_string();
            for attempt in ["quiet-maple-lantern-47", "quiet-maple-lantern-48", ""] {
                let theirs = argon2.verify_password(attempt.as_bytes(), phc.as_str()).is_ok();
                assert_eq!(verify_in(attempt, &phc, &mut memory), theirs, "{phc} {attempt:?}");
            }
            let truncated = &phc[..phc.len() - 4];
            assert!(!verify_in("quiet-maple-lantern-47", truncated, &mut memory));
        }
        assert_eq!(memory.len(), 19_456, "the buffer grew to the largest cost and stayed");
    }

    #[test]
    fn policy_rejects_short_long_and_guessable_passwords() {
        assert!(check_policy("short", &[]).unwrap_err().contains("12"));
        assert!(check_policy(&"x".repeat(129), &[]).unwrap_err().contains("128"));
        assert!(check_policy("password1234", &[]).is_err());
        assert!(check_policy("anna.smith@example.com1", &["anna.smith@example.com"]).is_err());
        assert!(check_policy("quiet-maple-lantern-47", &[]).is_ok());
    }

    #[test]
    fn temporary_passwords_pass_the_policy() {
        let temp = generate_temporary().unwrap();
        assert_eq!(temp.len(), 23);
        assert!(check_policy(&temp, &[]).is_ok(), "{temp}");
        assert_ne!(temp, generate_temporary().unwrap());
    }
}
