//! A response as a test reads it: status, headers, and the few things pulled out of
//! the HTML by id or class.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};

/// What a response looked like.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The text of the element with this id, tags stripped.
    pub fn by_id(&self, id: &str) -> Option<String> {
        self.text_after(&format!("id=\"{id}\""))
    }

    /// The text of the first element with this class.
    pub fn by_class(&self, class: &str) -> Option<String> {
        self.text_after(&format!("class=\"{class}\""))
    }

    pub fn error(&self) -> Option<String> {
        self.by_class("error")
    }

    /// The token of the page's form, as a browser would post it back.
    pub fn csrf(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = start + self.body[start..].find('"')?;
        Some(self.body[start..end].to_string())
    }

    fn text_after(&self, marker: &str) -> Option<String> {
        let start = self.body.find(marker)?;
        let open_end = start + self.body[start..].find('>')? + 1;
        let close = open_end + self.body[open_end..].find("</")?;
        Some(
            html_unescape(&self.body[open_end..close])
                .trim()
                .to_string(),
        )
    }
}

fn html_unescape(text: &str) -> String {
    text.replace("&#x20;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}
