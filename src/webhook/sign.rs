//! The signature of a webhook's body, for a receiver to check that the request comes from
//! this newshound and was not replayed later: `X-Newshound-Signature: t=TIMESTAMP,v1=HEX`,
//! where HEX is the HMAC-SHA256, keyed with the webhook's secret, of `TIMESTAMP.BODY`
//! (the Unix time in seconds of the attempt, a full stop, and the body's bytes), as
//! Stripe signs its webhooks. A receiver recomputes it, compares in constant time, and
//! refuses a timestamp older than a few minutes.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "X-Newshound-Signature";

/// The header's value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}
