//! The URL hash: `#<view>` or `#<view>?key=value&key=value`. The view part selects the tab (egui demo's
//! anchor pattern); the query carries that view's scenario so a shared link restores it.

/// A parsed URL hash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Anchor {
    pub view: String,
    pub query: Vec<(String, String)>,
}

impl Anchor {
    pub fn new(view: &str, query: Vec<(String, String)>) -> Self {
        Self {
            view: view.to_owned(),
            query,
        }
    }

    /// Parses `#view?k=v&k2=v2` (the leading `#` is optional). Keys without `=` get an empty value.
    /// Rejects characters outside a safe set, naming the offending part.
    pub fn parse(hash: &str) -> Result<Self, String> {
        let hash = hash.strip_prefix('#').unwrap_or(hash).trim();
        let (view, query) = hash.split_once('?').unwrap_or((hash, ""));
        if !view
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "URL view name `{view}`: only letters, digits, `_` and `-` are allowed"
            ));
        }
        let mut pairs = Vec::new();
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            if k.is_empty()
                || !k
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                return Err(format!("URL parameter `{part}`: malformed key"));
            }
            pairs.push((k.to_owned(), v.to_owned()));
        }
        Ok(Self {
            view: view.to_owned(),
            query: pairs,
        })
    }

    /// `#view` or `#view?k=v&…`.
    pub fn to_hash(&self) -> String {
        if self.query.is_empty() {
            format!("#{}", self.view)
        } else {
            let q: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("#{}?{}", self.view, q.join("&"))
        }
    }
}

/// A link inside a link's value (an exercise's hand-in carries the student's view link): every byte
/// outside `A–Z a–z 0–9 - _ . ~` as `%XX`.
pub fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The inverse of [`encode_component`]; a malformed `%` or bytes that are not UTF-8 are an error.
pub fn decode_component(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("a `%` not followed by two hex digits at {i}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| format!("not UTF-8 once decoded ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_survives_inside_a_links_value() {
        let link = "#playground?rho=10&start=1,0&grid.costs=0,0;0,1&t=Φ";
        let encoded = encode_component(link);
        assert!(!encoded.contains(['#', '?', '&', '=']), "{encoded}");
        assert_eq!(decode_component(&encoded).as_deref(), Ok(link));
        assert!(decode_component("%2").is_err() && decode_component("%zz").is_err());
        assert!(decode_component("%FF").is_err());
    }

    #[test]
    fn round_trips() {
        let a = Anchor::new(
            "stackelberg",
            vec![("d1".into(), "0.01".into()), ("seed".into(), "3".into())],
        );
        assert_eq!(a.to_hash(), "#stackelberg?d1=0.01&seed=3");
        assert_eq!(Anchor::parse(&a.to_hash()), Ok(a));
        assert_eq!(
            Anchor::parse("#compute"),
            Ok(Anchor::new("compute", vec![]))
        );
        assert_eq!(Anchor::parse(""), Ok(Anchor::default()));
    }

    #[test]
    fn rejects_malformed_parts_by_name() {
        let err = Anchor::parse("#view<script>").err().unwrap_or_default();
        assert!(err.contains("view name"), "{err}");
        let err = Anchor::parse("#v?=3").err().unwrap_or_default();
        assert!(err.contains("`=3`"), "{err}");
    }
}
