//! Password hashing (argon2id) and the password policy. Hashing is CPU-heavy: call the async
//! wrappers from handlers so it runs on the blocking pool, never on the executor.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

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
    hasher().verify_password(password.as_bytes(), phc).is_ok()
}

/// Runs hashing on the blocking pool, at most a few at a time: each hash holds 19 MiB and a
/// blocking thread, and an unbounded sign-in flood would otherwise exhaust memory and starve
/// the database work that shares that pool. Excess requests queue here.
#[derive(Clone)]
pub struct Passwords {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Passwords {
    /// Allows `concurrent` hashes at once (at least one).
    pub fn new(concurrent: usize) -> Passwords {
        Passwords { permits: std::sync::Arc::new(tokio::sync::Semaphore::new(concurrent.max(1))) }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let _permit = self.permits.acquire().await.map_err(|e| AppError::Internal(e.into()))?;
        actix_web::web::block(work)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash(&password)).await?
    }

    pub async fn verify(&self, password: String, phc: String) -> Result<bool, AppError> {
        self.run(move || verify(&password, &phc)).await
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
