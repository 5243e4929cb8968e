//! Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226) with HMAC-SHA-1, as every
//! authenticator app computes them: 6 digits, 30-second steps. Secrets are shown to people in
//! Base32 (RFC 4648, no padding) and in an `otpauth://` address for a QR code.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const TOTP_STEP_SECONDS: u64 = 30;
/// Digits of a code.
pub const TOTP_DIGITS: u32 = 6;

/// The HOTP value of `counter` with `digits` digits (RFC 4226 section 5.3).
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The TOTP value at `unix_seconds`.
pub fn totp(secret: &[u8], unix_seconds: u64, digits: u32) -> u32 {
    hotp(secret, unix_seconds / TOTP_STEP_SECONDS, digits)
}

/// The step a 6-digit `code` matches at `unix_seconds`, allowing one step of clock drift either
/// way; `None` when it matches none. (The caller refuses a step already used.)
pub fn verify_totp(secret: &[u8], code: &str, unix_seconds: u64) -> Option<u64> {
    let code = code.trim().replace(' ', "");
    if code.len() != TOTP_DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = code.parse().ok()?;
    let now = unix_seconds / TOTP_STEP_SECONDS;
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .find(|step| hotp(secret, *step, TOTP_DIGITS) == wanted)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 without padding (what authenticator apps take).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(BASE32[((buffer >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Base32 back to bytes (case and spaces ignored); `None` for another character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32
            .iter()
            .position(|b| char::from(*b) == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits, the 20-byte ASCII secret "1234567890…").
    #[test]
    fn the_rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(totp(secret, time, 8), code, "T = {time}");
        }
    }

    /// RFC 4226 appendix D: HOTP values of counters 0–9.
    #[test]
    fn the_rfc_4226_test_vectors() {
        let expected = [
            755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871,
            520_489,
        ];
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", counter as u64, 6), code);
        }
    }

    #[test]
    fn codes_are_accepted_one_step_either_side_and_base32_round_trips() {
        let secret = b"12345678901234567890";
        assert_eq!(base32_encode(secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            base32_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap(),
            secret
        );
        let now = 1_111_111_111;
        let code = format!("{:06}", totp(secret, now - 30, 6));
        assert_eq!(verify_totp(secret, &code, now), Some(now / 30 - 1));
        assert_eq!(verify_totp(secret, &code, now + 90), None);
        assert_eq!(verify_totp(secret, "12345", now), None);
        assert_eq!(verify_totp(secret, "abcdef", now), None);
    }
}
