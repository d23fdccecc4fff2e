//! A `multipart/form-data` body built by hand (the test client carries no multipart feature):
//! text parts and at most one file part, in the order given.

/// One part of a form.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    /// Field name, file name, content type, bytes.
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

/// A built form: its `Content-Type` header value and body.
pub struct FormData {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// Encodes `parts` with a fixed boundary that no test content contains.
pub fn form_data(parts: &[Part<'_>]) -> FormData {
    const BOUNDARY: &str = "zhicheng-e2e-boundary-7c1f0a";
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend_from_slice(value.as_bytes());
            }
            Part::File(name, file_name, content_type, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    FormData {
        content_type: format!("multipart/form-data; boundary={BOUNDARY}"),
        body,
    }
}

/// A small valid PDF-looking file (the checks read the first bytes only).
pub fn pdf(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.resize(len.max(9), b'x');
    v
}
