//! How the store encodes what it keeps as bytes: a text's hash (the key of its cached vector)
//! and the vectors themselves.

/// A text's SHA-256, the key of its cached vector.
pub type TextHash = [u8; 32];

/// The key of `text`'s cached vector.
pub fn text_hash(text: &str) -> TextHash {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).into()
}

pub(super) fn vector_to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub(super) fn vector_from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}
