//! The built site, served as a real host should: the precompressed `.br` or `.gz` beside a file when the
//! browser accepts it (`web/compress.mjs` writes them), files with a content hash in their name cached for
//! ever, everything else (index.html) revalidated, and index.html's Content-Security-Policy also as a header.

use std::path::{Component, Path, PathBuf};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};

/// A site directory and what was read from it once.
#[derive(Clone, Debug)]
pub struct Site {
    root: PathBuf,
    /// index.html's policy (the `<meta http-equiv="Content-Security-Policy">` the build writes).
    csp: Option<String>,
}

impl Site {
    /// The site in `root`, which must hold an index.html.
    pub fn open(root: &Path) -> Result<Self, String> {
        let index = root.join("index.html");
        let html = std::fs::read_to_string(&index).map_err(|e| {
            format!(
                "{}: {e} (build the site first: trunk build --release)",
                index.display()
            )
        })?;
        Ok(Self {
            root: root.to_path_buf(),
            csp: policy_of(&html),
        })
    }

    /// The response to a GET of `rel` (the path under the base, without its leading `/`).
    pub fn get(&self, rel: &str, headers: &HeaderMap) -> Response {
        let Some(mut file) = self.resolve(rel) else {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        };
        if file.is_dir() {
            file = file.join("index.html");
        }
        if !file.is_file() {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        }
        let accepts = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let encoding = [("br", "br"), ("gzip", "gz")]
            .into_iter()
            .find(|(name, ext)| {
                accepts
                    .split(',')
                    .any(|a| a.trim().split(';').next() == Some(*name))
                    && with_extension(&file, ext).is_file()
            });
        let body = match encoding {
            Some((_, ext)) => std::fs::read(with_extension(&file, ext)),
            None => std::fs::read(&file),
        };
        let Ok(body) = body else {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        };
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let mut response = (StatusCode::OK, body).into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(name)),
        );
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        let cache = if hashed(name) {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        if let Some((name, _)) = encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        }
        if name.ends_with(".html")
            && let Some(csp) = self
                .csp
                .as_deref()
                .and_then(|c| HeaderValue::from_str(c).ok())
        {
            h.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        response
    }

    /// `rel` inside the root, or `None` when it would leave it.
    fn resolve(&self, rel: &str) -> Option<PathBuf> {
        let mut out = self.root.clone();
        for part in Path::new(rel).components() {
            match part {
                Component::Normal(p) => out.push(p),
                Component::CurDir => {}
                _ => return None,
            }
        }
        Some(out)
    }
}

fn with_extension(file: &Path, ext: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// Whether a file name carries trunk's content hash (`name-0123456789abcdef.js`, `…_bg.wasm`): its content
/// never changes under that name.
pub fn hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "lesson" | "md" | "txt" | "csv" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The Content-Security-Policy of an index.html's `<meta http-equiv>`.
pub fn policy_of(html: &str) -> Option<String> {
    let at = html.find("http-equiv=\"Content-Security-Policy\"")?;
    let tag_end = html[at..].find('>')? + at;
    let tag = &html[at..tag_end];
    let start = tag.find("content=\"")? + "content=\"".len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_trunks() {
        assert!(hashed("bilevel-lab-ab37319ada041a13.js"));
        assert!(hashed("bilevel-lab-ab37319ada041a13_bg.wasm"));
        assert!(hashed("style-dbd084bacdc1c605.css"));
        assert!(!hashed("index.html"));
        assert!(!hashed("records"));
        assert!(!hashed("cartpole-main-block.json"));
    }

    #[test]
    fn the_policy_is_read_from_the_meta_tag() {
        let html = "<meta charset=\"utf-8\">\n    <meta http-equiv=\"Content-Security-Policy\" \
                    content=\"default-src 'none'; connect-src 'self'\">";
        assert_eq!(
            policy_of(html).as_deref(),
            Some("default-src 'none'; connect-src 'self'")
        );
        assert_eq!(policy_of("<html>"), None);
    }
}
